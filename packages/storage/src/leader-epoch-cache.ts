import type { EpochEntry } from "./format/leader-epoch-checkpoint.js";

/** Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEndOffset {
  /** The largest epoch <= the requested one that this log knows, or -1. */
  leaderEpoch: number;
  /** The first offset after that epoch's records, or -1. */
  endOffset: number;
}

/**
 * In-memory leader-epoch cache: (epoch, first offset written in it), both
 * strictly increasing. The owner persists `entries()` after every change that
 * returns true.
 */
export class LeaderEpochCache {
  private list: EpochEntry[];

  constructor(entries: readonly EpochEntry[] = []) {
    this.list = entries.map((e) => ({ ...e }));
  }

  entries(): readonly EpochEntry[] {
    return this.list;
  }

  get latestEpoch(): number {
    return this.list.length === 0 ? UNDEFINED_EPOCH : this.list[this.list.length - 1]!.epoch;
  }

  latestEntry(): EpochEntry | undefined {
    return this.list[this.list.length - 1];
  }

  /**
   * Records that `epoch` starts at `startOffset`. Entries that contradict it
   * (an epoch >= this one, or a start offset >= this one) are dropped first,
   * as Kafka does. Returns whether the cache changed.
   */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0 || startOffset < 0) return false;
    const latest = this.latestEntry();
    if (latest !== undefined && latest.epoch === epoch && latest.startOffset <= startOffset) return false;
    this.list = this.list.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.list.push({ epoch, startOffset });
    return true;
  }

  /**
   * OffsetForLeaderEpoch: the end offset of `requestedEpoch` on this log, i.e.
   * the start offset of the next larger epoch, or `logEndOffset` when it is
   * the latest epoch.
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    if (requestedEpoch === UNDEFINED_EPOCH || this.list.length === 0) {
      return { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    }
    if (requestedEpoch === this.latestEpoch) return { leaderEpoch: requestedEpoch, endOffset: logEndOffset };
    const higherIndex = this.list.findIndex((e) => e.epoch > requestedEpoch);
    if (higherIndex < 0) return { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    const higher = this.list[higherIndex]!;
    if (higherIndex === 0) return { leaderEpoch: requestedEpoch, endOffset: higher.startOffset };
    return { leaderEpoch: this.list[higherIndex - 1]!.epoch, endOffset: higher.startOffset };
  }

  /** The log was truncated to `endOffset`: forget epochs that start at or after it. */
  truncateFromEnd(endOffset: number): boolean {
    const kept = this.list.filter((e) => e.startOffset < endOffset);
    const changed = kept.length !== this.list.length;
    this.list = kept;
    return changed;
  }

  /**
   * The log now starts at `startOffset`: drop epochs entirely before it and
   * move the start of the epoch that covers it up to `startOffset`.
   */
  truncateFromStart(startOffset: number): boolean {
    let covering = -1;
    for (let i = 0; i < this.list.length && this.list[i]!.startOffset <= startOffset; i++) covering = i;
    if (covering < 0) return false;
    const head = this.list[covering]!;
    if (covering === 0 && head.startOffset === startOffset) return false;
    this.list = [{ epoch: head.epoch, startOffset }, ...this.list.slice(covering + 1)];
    return true;
  }

  clear(): boolean {
    const changed = this.list.length > 0;
    this.list = [];
    return changed;
  }
}
