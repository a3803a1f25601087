/** Raised for programmer errors: a broken invariant inside the Raft core or its log. */
export class RaftAssertionError extends Error {
  readonly code = "RAFT_ASSERTION";
  constructor(message: string) {
    super(message);
    this.name = "RaftAssertionError";
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new RaftAssertionError(message);
}
