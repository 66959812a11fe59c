// Snapshots of the guest memory the shim allocated (RAM and the flash arrays), for recordings (core/replay): a
// shadow copy of every region as it was at the latest checkpoint, compared page by page in C (el2dbg_pages_diff), and
// for each checkpoint the pages that changed since the one before, as they were before (an undo log). Going back is
// reverting to the shadow, then applying undo records newest first. Shadows are anonymous memory, so the pages that
// stay zero cost nothing.
import koffi from 'koffi';
import type { UnicornEngine } from './engine.js';

/** The instruction clock of a recording (RunState.instructionClock). */
export interface InstructionClock {
  readonly nsPerInsn: bigint;
  readonly origin: bigint;
  readonly time0: bigint;
}

/** Memory the shim allocated for the guest: its native address and a live view. */
export interface HostRegion {
  readonly ptr: unknown;
  readonly bytes: Uint8Array;
}

/** The snapshot granule (el2dbg-shim.c SNAP_PAGE). */
export const SNAPSHOT_PAGE = 4096;

/** Pages of one region (by index) as they were before they changed. */
export interface PageUndo {
  readonly region: number;
  readonly pages: Uint32Array;
  readonly data: Uint8Array;
}

export class MemoryShadow {
  private readonly shadows: { readonly ptr: unknown; readonly bytes: Uint8Array }[];
  private diff = new Uint32Array(4096);

  constructor(
    private readonly engine: UnicornEngine,
    private readonly regions: readonly HostRegion[],
  ) {
    this.shadows = regions.map((r) => {
      const ptr = engine.lib.shim.el2dbg_shadow_alloc(BigInt(r.bytes.length));
      if (ptr === null) throw new Error(`no host memory for a ${r.bytes.length}-byte snapshot of guest memory`);
      return { ptr, bytes: new Uint8Array(koffi.view(ptr, r.bytes.length)) };
    });
    this.take();
  }

  /** Indices of the pages of region `i` where memory and shadow differ. */
  private changed(i: number): Uint32Array {
    const r = this.regions[i]!;
    const pages = BigInt(r.bytes.length / SNAPSHOT_PAGE);
    for (;;) {
      const { ptr } = this.shadows[i]!;
      const n = Number(this.engine.lib.shim.el2dbg_pages_diff(r.ptr, ptr, pages, this.diff, BigInt(this.diff.length)));
      if (n <= this.diff.length) return this.diff.slice(0, n);
      this.diff = new Uint32Array(n * 2);
    }
  }

  /** Brings the shadows up to memory as it is now; returns what changed, as it was at the previous take(). */
  take(): PageUndo[] {
    const out: PageUndo[] = [];
    this.regions.forEach((r, region) => {
      const pages = this.changed(region);
      if (pages.length === 0) return;
      const shadow = this.shadows[region]!.bytes;
      const data = new Uint8Array(pages.length * SNAPSHOT_PAGE);
      pages.forEach((p, k) => {
        const at = p * SNAPSHOT_PAGE;
        data.set(shadow.subarray(at, at + SNAPSHOT_PAGE), k * SNAPSHOT_PAGE);
        shadow.set(r.bytes.subarray(at, at + SNAPSHOT_PAGE), at);
      });
      out.push({ region, pages, data });
    });
    return out;
  }

  /** Puts memory back as the shadows hold it (the latest checkpoint). The caller drops translated code and the TLB. */
  revert(): void {
    this.regions.forEach((r, region) => {
      const shadow = this.shadows[region]!.bytes;
      for (const p of this.changed(region)) {
        const at = p * SNAPSHOT_PAGE;
        r.bytes.set(shadow.subarray(at, at + SNAPSHOT_PAGE), at);
      }
    });
  }

  /** Applies an undo record to memory (going back one checkpoint) or to the shadows (forgetting the latest one). */
  apply(undo: readonly PageUndo[], to: 'memory' | 'shadow'): void {
    for (const u of undo) {
      const dst = to === 'memory' ? this.regions[u.region]!.bytes : this.shadows[u.region]!.bytes;
      u.pages.forEach((p, k) =>
        dst.set(u.data.subarray(k * SNAPSHOT_PAGE, (k + 1) * SNAPSHOT_PAGE), p * SNAPSHOT_PAGE),
      );
    }
  }

  /** Frees the shadows. */
  close(): void {
    this.regions.forEach((r, i) =>
      this.engine.lib.shim.el2dbg_shadow_free(this.shadows[i]!.ptr, BigInt(r.bytes.length)),
    );
  }
}
