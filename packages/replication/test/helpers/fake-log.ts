import type { EpochEndOffset } from "@samsa/storage";
import type { ReplicaLog } from "@samsa/replication";

/** Offsets-only stand-in for a partition log, for the pure leader-state rules. */
export class FakeLog implements ReplicaLog {
  logStartOffset = 0;
  logEndOffset = 0;
  latestEpoch = -1;
  private hw = 0;

  get highWatermark(): number {
    return this.hw;
  }
  set highWatermark(offset: number) {
    this.hw = Math.max(this.logStartOffset, Math.min(offset, this.logEndOffset));
  }
  endOffsetFor(): EpochEndOffset {
    return { leaderEpoch: -1, endOffset: -1 };
  }
  appendAsFollower(): Promise<{ lastOffset: number }> {
    throw new Error("not used");
  }
  truncateTo(): Promise<void> {
    throw new Error("not used");
  }
  truncateFullyAndStartAt(): Promise<void> {
    throw new Error("not used");
  }
  deleteRecordsBefore(offset: number): Promise<number> {
    this.logStartOffset = Math.max(this.logStartOffset, Math.min(offset, this.logEndOffset));
    this.highWatermark = this.hw;
    return Promise.resolve(this.logStartOffset);
  }
  assignEpoch(epoch: number): Promise<void> {
    this.latestEpoch = epoch;
    return Promise.resolve();
  }
}

export class ManualClock {
  constructor(public now = 1_000_000) {}
  nowMs(): number {
    return this.now;
  }
}
