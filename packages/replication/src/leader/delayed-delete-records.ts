import { DeleteRecordsTimeoutError, TooManyDelayedDeleteRecordsError } from "../errors.js";
import { realScheduler, type Scheduler } from "../scheduler.js";
import { OffsetPurgatory } from "./offset-purgatory.js";

export const DEFAULT_MAX_DELAYED_DELETE_RECORDS = 10_000;

/**
 * DeleteRecords requests waiting for the replicas to move their log start
 * (Kafka's DelayedDeleteRecords): the leader already moved its own, and each
 * waiter resolves with the partition's low watermark once that reaches the
 * requested offset. The leader calls `lowWatermarkAdvanced` when a
 * follower's fetch reports a higher log start or the replica set changes,
 * and `failAll` when it stops leading.
 */
export class DelayedDeleteRecordsPurgatory extends OffsetPurgatory {
  constructor(options: { scheduler?: Scheduler; maxDelayedDeleteRecords?: number } = {}) {
    super({
      scheduler: options.scheduler ?? realScheduler,
      maxWaiters: options.maxDelayedDeleteRecords ?? DEFAULT_MAX_DELAYED_DELETE_RECORDS,
      minRequiredOffset: 0,
      tooMany: (waiting) => new TooManyDelayedDeleteRecordsError(`${waiting} DeleteRecords requests are already waiting (maxDelayedDeleteRecords)`),
      timedOut: (key, required, timeoutMs) => new DeleteRecordsTimeoutError(`${key}: the replicas did not move their log start to ${required} within ${timeoutMs} ms`),
    });
  }

  /** Resolves with the low watermark once it reaches `requiredOffset`. */
  wait(key: string, requiredOffset: number, timeoutMs: number): Promise<number> {
    return this.park(key, requiredOffset, timeoutMs);
  }

  lowWatermarkAdvanced(key: string, lowWatermark: number): void {
    this.advanced(key, lowWatermark);
  }
}
