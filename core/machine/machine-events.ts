// The Machine's event fan-out: observers (trace writer, debugger, scripts) subscribe; one that throws is logged and
// does not leave a trap half-applied. Silent while a recording seeks (nothing it replays is news to an observer).
import type { CoreLogger, MachineEvent } from '../el2/events.js';

export class MachineEvents {
  private readonly listeners = new Set<(e: MachineEvent) => void>();
  /** Events are dropped (a seek replays what observers saw already). */
  silent = false;

  constructor(
    private readonly logger: CoreLogger,
    /** Sees every event first, silent or not (the recording notes where traps happened). */
    private readonly tap: (e: MachineEvent) => void,
  ) {}

  on(listener: (e: MachineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: MachineEvent): void {
    this.tap(e);
    if (this.silent) return;
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        this.logger.warn('machine event listener failed', { event: e.kind, error });
      }
    }
  }
}
