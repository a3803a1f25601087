import type { Scheduler } from "@samsa/replication";

/** Timers that fire only when the test advances time. */
export class ManualScheduler implements Scheduler {
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  now = 0;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.timers]) {
      if (t.at <= this.now) {
        this.timers.delete(id);
        t.fn();
      }
    }
  }
  get pending(): number {
    return this.timers.size;
  }
}

/** The settled state of a promise, readable synchronously after `flush()`. */
export function outcome<T>(p: Promise<T>): { value: "pending" | T | { errorCode: number } } {
  const box: { value: "pending" | T | { errorCode: number } } = { value: "pending" };
  p.then(
    (v) => (box.value = v),
    (err: { errorCode: number }) => (box.value = { errorCode: err.errorCode }),
  );
  return box;
}

export const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
