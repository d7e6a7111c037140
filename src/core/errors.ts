/** Exit codes shared by every command (ARCHITECTURE.md, rule 5). */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  budgetFailed: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Where in a user's file a problem sits. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** One problem found in user input; validation collects all of them before failing. */
export interface InputProblem {
  location: SourceLocation;
  /** Dotted key path, e.g. `content.components.2.size`; empty for the document root. */
  keyPath: string;
  message: string;
  hint?: string;
}

/**
 * An expected failure: bad input, a missing tool, not enough disk. The CLI prints `message` and `hint`
 * (never a stack) and exits with `exitCode`.
 */
export class ShipbenchError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;
  readonly problems: readonly InputProblem[];

  constructor(
    code: string,
    message: string,
    options: { hint?: string; exitCode?: ExitCode; problems?: readonly InputProblem[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ShipbenchError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.usage;
    this.problems = options.problems ?? [];
  }
}

export function formatProblem(problem: InputProblem): string {
  const { file, line, col } = problem.location;
  const where = problem.keyPath === '' ? '' : ` ${problem.keyPath}:`;
  const hint = problem.hint === undefined ? '' : `\n    hint: ${problem.hint}`;
  return `${file}:${line}:${col}${where} ${problem.message}${hint}`;
}
