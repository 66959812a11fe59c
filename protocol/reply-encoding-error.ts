// Why a reply could not be encoded. These are caller bugs (a signal above 255, a `;` in a stop
// reply key), so the builders throw rather than send something gdb would misread.

export type ReplyEncodingProblem =
  | { code: 'ValueOutOfRange'; field: string; value: number | bigint; max: number | bigint }
  | { code: 'ReservedCharacter'; field: string; text: string };

export type ReplyEncodingErrorCode = ReplyEncodingProblem['code'];

export class ReplyEncodingError extends Error {
  readonly code: ReplyEncodingErrorCode;

  constructor(
    readonly problem: ReplyEncodingProblem,
    options?: ErrorOptions,
  ) {
    super(describeProblem(problem), options);
    this.name = 'ReplyEncodingError';
    this.code = problem.code;
  }
}

function describeProblem(problem: ReplyEncodingProblem): string {
  switch (problem.code) {
    case 'ValueOutOfRange':
      return `${problem.field} ${problem.value} is outside 0..${problem.max}`;
    case 'ReservedCharacter':
      return `${problem.field} ${JSON.stringify(problem.text)} contains a character the reply syntax reserves`;
    default: {
      const never: never = problem;
      return never;
    }
  }
}

/** `value` as exactly two hex digits, for signals, exit codes and error numbers. */
export function encodeByte(value: number, field: string): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new ReplyEncodingError({ code: 'ValueOutOfRange', field, value, max: 0xff });
  }
  return value.toString(16).padStart(2, '0');
}
