import type { NodeId, PartitionId, ReplicaLog } from "../types.js";
import { partitionKey } from "../types.js";

/**
 * One partition this broker follows: whom it fetches from, in which leader
 * epoch, and when it may fetch again after an error. The fetch position is
 * the log itself (log end offset and its latest epoch), so truncation and
 * appends can never leave a separate cursor behind.
 */
export class FollowerPartitionState {
  readonly key: string;
  /** Fetching resumes at this time after an error (0: now). */
  delayedUntilMs = 0;
  /** Set when the partition leaves its fetcher; responses in flight for it are dropped. */
  removed = false;
  /** Batches appended through this state (tests, metrics). */
  appendedBatches = 0;
  truncations = 0;

  constructor(
    readonly id: PartitionId,
    readonly log: ReplicaLog,
    readonly leaderId: NodeId,
    readonly leaderEpoch: number,
  ) {
    this.key = partitionKey(id.topic, id.partition);
  }

  get fetchOffset(): number {
    return this.log.logEndOffset;
  }

  get lastFetchedEpoch(): number {
    return this.log.latestEpoch;
  }

  isReady(nowMs: number): boolean {
    return !this.removed && nowMs >= this.delayedUntilMs;
  }
}
