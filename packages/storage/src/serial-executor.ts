/**
 * Runs async operations one at a time in submission order. Every mutation of
 * a partition log (write groups, roll, truncate, retention, swap) goes
 * through one of these, so no two ever interleave.
 */
export class SerialExecutor {
  private tail: Promise<unknown> = Promise.resolve();
  /** Operations submitted and not yet settled (and their bookkeeping run). */
  private unsettled = 0;
  private readonly settled = (): void => {
    this.unsettled -= 1;
  };

  run<T>(op: () => Promise<T>): Promise<T> {
    this.unsettled += 1;
    const result = this.tail.then(op);
    this.tail = result.then(this.settled, this.settled);
    return result;
  }

  /**
   * Like run, but when nothing is queued or running the operation starts at
   * once, on the caller's stack, instead of a microtask later: an append then
   * issues its write before the caller goes on to validate its next batch.
   */
  runNowIfIdle<T>(op: () => Promise<T>): Promise<T> {
    if (this.unsettled > 0) return this.run(op);
    this.unsettled += 1;
    let result: Promise<T>;
    try {
      result = op();
    } catch (err) {
      result = Promise.reject(err);
    }
    this.tail = result.then(this.settled, this.settled);
    return result;
  }

  /** Resolves once everything submitted so far has finished. */
  idle(): Promise<void> {
    return this.run(async () => undefined);
  }
}
