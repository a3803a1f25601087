import { strict as assert } from "node:assert";
import type { KafkaError } from "@samsa/protocol";
import type { Scheduler } from "../scheduler.js";

interface Waiter {
  readonly requiredOffset: number;
  readonly resolve: (reached: number) => void;
  readonly reject: (err: KafkaError) => void;
  timer: unknown;
}

export interface OffsetPurgatoryOptions {
  scheduler: Scheduler;
  /** Waiters held at most; one more is refused with `tooMany`. */
  maxWaiters: number;
  /** Smallest offset a waiter may ask for. */
  minRequiredOffset: number;
  tooMany: (waiting: number) => KafkaError;
  timedOut: (key: string, requiredOffset: number, timeoutMs: number) => KafkaError;
}

/**
 * Requests parked per partition until an offset of that partition reaches
 * theirs (Kafka's purgatories: DelayedProduce waits for the high watermark,
 * DelayedDeleteRecords for the low watermark). Nothing polls: the owner calls
 * `advanced` when the offset moves and `failAll` when the partition can no
 * longer complete them, and each waiter has its own request-timeout timer.
 */
export class OffsetPurgatory {
  private readonly waiters = new Map<string, Waiter[]>();
  private count = 0;

  constructor(private readonly options: OffsetPurgatoryOptions) {}

  get size(): number {
    return this.count;
  }

  hasWaiters(key: string): boolean {
    return this.waiters.has(key);
  }

  /**
   * Resolves with the offset reached once it is at least `requiredOffset`;
   * rejects with `timedOut` after `timeoutMs`, or with whatever `failAll` gives.
   */
  protected park(key: string, requiredOffset: number, timeoutMs: number): Promise<number> {
    assert.ok(Number.isSafeInteger(requiredOffset) && requiredOffset >= this.options.minRequiredOffset, `requiredOffset must be an offset >= ${this.options.minRequiredOffset}`);
    if (this.count >= this.options.maxWaiters) return Promise.reject(this.options.tooMany(this.count));
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = { requiredOffset, resolve, reject, timer: undefined };
      let list = this.waiters.get(key);
      if (!list) this.waiters.set(key, (list = []));
      list.push(waiter);
      this.count += 1;
      waiter.timer = this.options.scheduler.setTimeout(() => {
        if (this.remove(key, waiter)) reject(this.options.timedOut(key, requiredOffset, timeoutMs));
      }, Math.max(0, timeoutMs));
    });
  }

  /** Completes every waiter of `key` whose offset `reached` now covers. */
  protected advanced(key: string, reached: number): void {
    const list = this.waiters.get(key);
    if (!list) return;
    const done = list.filter((w) => w.requiredOffset <= reached);
    for (const w of done) {
      this.remove(key, w);
      w.resolve(reached);
    }
  }

  /** Fails every waiter of `key` with `error`. */
  failAll(key: string, error: () => KafkaError): void {
    const list = this.waiters.get(key);
    if (!list) return;
    for (const w of [...list]) {
      this.remove(key, w);
      w.reject(error());
    }
  }

  /** Fails everything (broker shutdown). */
  close(error: () => KafkaError): void {
    for (const key of [...this.waiters.keys()]) this.failAll(key, error);
  }

  private remove(key: string, waiter: Waiter): boolean {
    const list = this.waiters.get(key);
    if (!list) return false;
    const at = list.indexOf(waiter);
    if (at < 0) return false;
    list.splice(at, 1);
    if (list.length === 0) this.waiters.delete(key);
    this.count -= 1;
    this.options.scheduler.clearTimeout(waiter.timer);
    return true;
  }
}
