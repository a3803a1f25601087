import { strict as assert } from "node:assert";
import { KafkaError } from "@samsa/protocol";
import { ReplicationTimeoutError, TooManyDelayedProducesError } from "../errors.js";
import { realScheduler, type Scheduler } from "../scheduler.js";

interface Waiter {
  readonly requiredOffset: number;
  readonly resolve: () => void;
  readonly reject: (err: KafkaError) => void;
  timer: unknown;
}

export const DEFAULT_MAX_DELAYED_PRODUCES = 100_000;

/**
 * acks=all produces waiting for the high watermark (Kafka's DelayedProduce
 * purgatory). Nothing polls: the leader calls `highWatermarkAdvanced` when the
 * HW moves, `failAll` when the partition can no longer complete them (ISR
 * below min.insync.replicas, leadership lost), and each waiter has its own
 * request-timeout timer.
 */
export class DelayedProducePurgatory {
  private readonly waiters = new Map<string, Waiter[]>();
  private count = 0;
  private readonly scheduler: Scheduler;
  private readonly maxDelayedProduces: number;

  constructor(options: { scheduler?: Scheduler; maxDelayedProduces?: number } = {}) {
    this.scheduler = options.scheduler ?? realScheduler;
    this.maxDelayedProduces = options.maxDelayedProduces ?? DEFAULT_MAX_DELAYED_PRODUCES;
  }

  get size(): number {
    return this.count;
  }

  /**
   * Resolves once the partition's HW reaches `requiredOffset` (last offset + 1
   * of the append); rejects with REQUEST_TIMED_OUT after `timeoutMs`, or with
   * whatever `failAll` gives.
   */
  wait(key: string, requiredOffset: number, timeoutMs: number): Promise<void> {
    assert.ok(Number.isSafeInteger(requiredOffset) && requiredOffset > 0, "requiredOffset must be a positive offset");
    if (this.count >= this.maxDelayedProduces) {
      return Promise.reject(new TooManyDelayedProducesError(`${this.count} acks=all produces are already waiting (maxDelayedProduces)`));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { requiredOffset, resolve, reject, timer: undefined };
      let list = this.waiters.get(key);
      if (!list) this.waiters.set(key, (list = []));
      list.push(waiter);
      this.count += 1;
      waiter.timer = this.scheduler.setTimeout(() => {
        if (this.remove(key, waiter)) {
          reject(new ReplicationTimeoutError(`${key}: offset ${requiredOffset - 1} was not replicated to the ISR within ${timeoutMs} ms`));
        }
      }, Math.max(0, timeoutMs));
    });
  }

  /** Completes every waiter of `key` whose offset is now below `highWatermark`. */
  highWatermarkAdvanced(key: string, highWatermark: number): void {
    const list = this.waiters.get(key);
    if (!list) return;
    const done = list.filter((w) => w.requiredOffset <= highWatermark);
    if (done.length === 0) return;
    for (const w of done) {
      this.remove(key, w);
      w.resolve();
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
    this.scheduler.clearTimeout(waiter.timer);
    return true;
  }
}
