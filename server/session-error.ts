// Why a request failed. Handlers throw SessionError; the session turns it (and anything else a handler throws)
// into an `Exx` reply in one place (error-reply.ts) and keeps serving.

export type SessionErrorCode =
  /** The packet's arguments do not parse. */
  | 'MalformedPacket'
  /** A guest virtual address does not translate to memory (stage 1 or stage 2), or nothing is there. */
  | 'MemoryFault'
  /** A register number beyond the target description. */
  | 'NoSuchRegister'
  /** A register value of the wrong size, or one the model cannot take (CurrentEL = EL2). */
  | 'BadRegisterValue'
  /** A qXfer annex we do not have (the protocol's `E00`). */
  | 'UnknownAnnex'
  /** A request that makes no sense now: `R` outside extended mode, an unsupported vCont action. */
  | 'NotInThisState'
  /** `monitor` with a command that is not in the table, or whose arguments are wrong. */
  | 'MonitorCommandFailed'
  /** A frame we received but could not decode (too long, a bad run length). */
  | 'UndecodableFrame';

export class SessionError extends Error {
  constructor(
    readonly code: SessionErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SessionError';
  }
}
