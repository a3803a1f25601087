import { ReplicationTimeoutError, TooManyDelayedProducesError } from "../errors.js";
import { realScheduler, type Scheduler } from "../scheduler.js";
import { OffsetPurgatory } from "./offset-purgatory.js";

export const DEFAULT_MAX_DELAYED_PRODUCES = 100_000;

/**
 * acks=all produces waiting for the high watermark (Kafka's DelayedProduce
 * purgatory). The leader calls `highWatermarkAdvanced` when the HW moves and
 * `failAll` when the partition can no longer complete them (ISR below
 * min.insync.replicas, leadership lost).
 */
export class DelayedProducePurgatory extends OffsetPurgatory {
  constructor(options: { scheduler?: Scheduler; maxDelayedProduces?: number } = {}) {
    super({
      scheduler: options.scheduler ?? realScheduler,
      maxWaiters: options.maxDelayedProduces ?? DEFAULT_MAX_DELAYED_PRODUCES,
      // The HW a produce waits for is its last offset + 1.
      minRequiredOffset: 1,
      tooMany: (waiting) => new TooManyDelayedProducesError(`${waiting} acks=all produces are already waiting (maxDelayedProduces)`),
      timedOut: (key, required, timeoutMs) => new ReplicationTimeoutError(`${key}: offset ${required - 1} was not replicated to the ISR within ${timeoutMs} ms`),
    });
  }

  /**
   * Resolves once the partition's HW reaches `requiredOffset` (last offset + 1
   * of the append); rejects with REQUEST_TIMED_OUT after `timeoutMs`, or with
   * whatever `failAll` gives.
   */
  async wait(key: string, requiredOffset: number, timeoutMs: number): Promise<void> {
    await this.park(key, requiredOffset, timeoutMs);
  }

  highWatermarkAdvanced(key: string, highWatermark: number): void {
    this.advanced(key, highWatermark);
  }
}
