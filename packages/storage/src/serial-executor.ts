/**
 * Runs async operations one at a time in submission order. Every mutation of
 * a partition log (write groups, roll, truncate, retention, swap) goes
 * through one of these, so no two ever interleave.
 */
export class SerialExecutor {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.tail.then(op);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves once everything submitted so far has finished. */
  idle(): Promise<void> {
    return this.run(async () => undefined);
  }
}
