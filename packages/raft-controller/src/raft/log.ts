import type { LogEntry, Snapshot, SnapshotId } from "./types.js";

/** The largest epoch a log holds that is <= the one asked for, and the offset where it ends. */
export interface EpochEndOffset {
  readonly epoch: number;
  readonly endOffset: number;
}

/**
 * The log the Raft core needs. The core mutates it synchronously; durability is the
 * driver's job: it calls `flush()` when a Ready asks for it and only then sends the
 * Ready's messages. Snapshot operations are durable when they return (write to a
 * temporary file, fsync, rename) because the log start moves with them.
 */
export interface RaftLog {
  /** First offset held as an entry; equals the latest snapshot's endOffset once a prefix was deleted. */
  startOffset(): number;
  /** Offset the next appended entry gets. */
  endOffset(): number;
  /** Epoch of the last entry, else of the latest snapshot, else 0. */
  lastEpoch(): number;
  /** Epoch of the entry at `offset` (or the snapshot's epoch for startOffset-1); undefined if not held. */
  epochAt(offset: number): number | undefined;
  /** Appends entries whose first offset is endOffset() and whose epochs never decrease. */
  append(entries: readonly LogEntry[]): void;
  /** Removes every entry with offset >= `offset`. */
  truncateTo(offset: number): void;
  /** Entries from `fromOffset` on, at least one if any exists, then up to `maxBytes` in total. */
  read(fromOffset: number, maxBytes: number): LogEntry[];
  /** Like Kafka's leader-epoch cache: the largest epoch <= `epoch` and the first offset after it. */
  endOffsetForEpoch(epoch: number): EpochEndOffset;
  latestSnapshot(): Snapshot | null;
  /** Stores a snapshot of committed state and deletes the log prefix it covers. */
  saveSnapshotAndDeletePrefix(snapshot: Snapshot): void;
  /** Replaces the whole log by a snapshot fetched from the leader. */
  installSnapshot(snapshot: Snapshot): void;
  /**
   * Makes every appended entry and truncation durable. A log on disk returns a
   * promise (its writes run behind the synchronous mirror the core reads); the
   * driver awaits it before sending the Ready's messages.
   */
  flush(): void | Promise<void>;
}

export function sameSnapshotId(a: SnapshotId | null, b: SnapshotId | null): boolean {
  if (a === null || b === null) return a === b;
  return a.endOffset === b.endOffset && a.epoch === b.epoch;
}
