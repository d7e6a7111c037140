/** A problem the schema cannot see (it spans several keys); `path` points at the key to blame. */
export interface SemanticProblem {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
  readonly hint: string;
}
