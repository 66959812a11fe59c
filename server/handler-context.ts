// What a session lets a packet handler or a monitor command touch: the target (through its own methods), the
// session's breakpoints and negotiated state, and the two ways of restarting the guest. Handlers never see the
// Session itself, the connection or the run in progress, so they can be tested with a fake of this.
import type { QSupportedFeature } from '../protocol/packets.js';
import type { BreakpointSet } from './breakpoint-set.js';
import type { DebugTarget } from './debug-target.js';
import type { ServerLogger } from './server-logger.js';
import type { StopReasonSupport } from './stop-report.js';

export interface HandlerContext {
  readonly target: DebugTarget;
  readonly breakpoints: BreakpointSet;
  readonly logger: ServerLogger;
  /** Largest packet payload we accept and advertise (qSupported PacketSize). */
  readonly packetSize: number;
  /** `!` was received: `R`/`vRun` restart the guest, and `k` keeps the session. */
  extendedMode: boolean;
  /** The features gdb offered in its qSupported. */
  gdbFeatures: ReadonlyMap<string, QSupportedFeature>;
  /** The stop reasons gdb said it understands. */
  readonly stopReasonSupport: StopReasonSupport;
  /** Puts the guest back in its initial state, keeping gdb's breakpoints (monitor reset). */
  resetGuest(): void;
  /** A new run of the program (vRun, R, kill): initial state, and no breakpoints until gdb inserts them again. */
  restartGuest(): void;
  /** The next single step reports a stop where the guest is, without executing (monitor gdb_sync). */
  syncNextStep(): void;
  /** The next step or continue goes to instruction count `icount` of the recording instead (monitor record goto). */
  seekOnNextResume(icount: bigint): void;
}
