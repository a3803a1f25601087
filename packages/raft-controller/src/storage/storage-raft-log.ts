import { DEFAULT_LOG_CONFIG, LeaderEpochCache, silentLogger, type LogConfig, type LogManager, type PartitionLog, type StorageLogger } from "@samsa/storage";
import { assert } from "../raft/assert.js";
import type { EpochEndOffset, RaftLog } from "../raft/log.js";
import { entrySizeBytes, type LogEntry, type Snapshot } from "../raft/types.js";
import { decodeEntries, encodeEntries } from "./entry-batches.js";
import { SnapshotFiles } from "./snapshot-files.js";

/** The metadata log is the partition `__cluster_metadata-0`, as in KRaft. */
export const METADATA_TOPIC = "__cluster_metadata";
export const METADATA_PARTITION = 0;

/** Bytes read per call while loading the log at open. */
const LOAD_READ_MAX_BYTES = 1 << 20;

/**
 * Log settings of the metadata partition: every append waits for its fsync (group
 * commit), nothing expires by time or size (snapshots delete the prefix instead).
 */
export const METADATA_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  ...DEFAULT_LOG_CONFIG,
  segmentBytes: 64 * 1024 * 1024,
  retentionMs: -1,
  retentionBytes: -1,
  cleanupPolicy: "delete",
  flushMessages: 1,
  maxMessageBytes: 8 * 1024 * 1024,
  fileDeleteDelayMs: 0,
});

export class StorageRaftLogError extends Error {
  readonly code = "RAFT_LOG_STORAGE_FAILED";
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = "StorageRaftLogError";
  }
}

export interface StorageRaftLogOptions {
  readonly logManager: LogManager;
  readonly logger?: StorageLogger;
  /** Injected for deterministic batch timestamps in tests. */
  readonly nowMs?: () => number;
}

/**
 * The Raft log on `@samsa/storage`. The core reads and mutates the log
 * synchronously, so this keeps the entries since the latest snapshot in memory (the
 * metadata log is small and snapshots bound it) together with an in-memory
 * leader-epoch cache, and replays every mutation, in order, onto the partition log
 * through one write queue. `flush()` resolves once every queued write is durable:
 * appends resolve after their fsync (the partition's group commit), truncations and
 * prefix deletions are durable when they resolve, and snapshot files are written
 * atomically before the log prefix they cover is deleted.
 *
 * After any storage failure the log is fail-stopped: every later flush rejects, so the
 * driver never acknowledges anything it could not persist.
 */
export class StorageRaftLog implements RaftLog {
  private start: number;
  private entries: LogEntry[];
  private snapshot: Snapshot | null;
  private readonly epochs: LeaderEpochCache;
  private writes: Promise<void> = Promise.resolve();
  private failure: StorageRaftLogError | null = null;
  private pendingWrites = 0;
  /** Base offsets of the stored batches (ascending), to rewrite a batch a truncation cuts through. */
  private batchStarts: number[];

  private constructor(
    private readonly partition: PartitionLog,
    private readonly snapshots: SnapshotFiles,
    private readonly logger: StorageLogger,
    private readonly nowMs: () => number,
    state: { start: number; entries: LogEntry[]; snapshot: Snapshot | null; batchStarts: number[] },
  ) {
    this.batchStarts = state.batchStarts;
    this.start = state.start;
    this.entries = state.entries;
    this.snapshot = state.snapshot;
    this.epochs = new LeaderEpochCache();
    for (const entry of this.entries) this.epochs.assign(entry.epoch, entry.offset);
  }

  /**
   * Opens `__cluster_metadata-0` (creating it if missing), loads the newest intact
   * snapshot and the entries after it, and reconciles the two after a crash: a log
   * start behind the snapshot is moved up to it, and a log that does not reach the
   * snapshot (or disagrees with its epoch) restarts empty at the snapshot's end.
   */
  static async open(options: StorageRaftLogOptions): Promise<StorageRaftLog> {
    const logger = options.logger ?? silentLogger;
    const partition = options.logManager.getLog(METADATA_TOPIC, METADATA_PARTITION) ?? (await options.logManager.createLog(METADATA_TOPIC, METADATA_PARTITION, METADATA_LOG_CONFIG));
    const snapshots = new SnapshotFiles(partition.fileSystem, partition.dir);
    const snapshot = await snapshots.latest((error) => logger.warn({ err: error.message }, "skipping a damaged metadata snapshot"));
    if (snapshot) {
      const end = snapshot.id.endOffset;
      if (partition.logEndOffset < end || partition.logStartOffset > end) {
        logger.warn({ snapshotEnd: end, logStart: partition.logStartOffset, logEnd: partition.logEndOffset }, "metadata log does not reach the snapshot; restarting it at the snapshot");
        await partition.truncateFullyAndStartAt(end);
      } else if (partition.logStartOffset < end) {
        await partition.deleteRecordsBefore(end);
      }
      await snapshots.deleteOlderThan(snapshot.id);
    }
    const batchStarts: number[] = [];
    let entries = await readAll(partition, batchStarts);
    if (snapshot && entries.length > 0 && entries[0]!.offset > snapshot.id.endOffset) {
      throw new StorageRaftLogError(`metadata log starts at ${entries[0]!.offset}, after the snapshot end ${snapshot.id.endOffset}`);
    }
    // A straddling first batch may hold entries below the log start; they are covered by the snapshot.
    const start = snapshot ? snapshot.id.endOffset : partition.logStartOffset;
    entries = entries.filter((e) => e.offset >= start);
    if (snapshot && entries.length > 0 && entries[0]!.epoch < snapshot.id.epoch) {
      logger.warn({ snapshot: snapshot.id, firstEpoch: entries[0]!.epoch }, "metadata log after the snapshot has an older epoch; discarding it");
      await partition.truncateFullyAndStartAt(start);
      entries = [];
      batchStarts.length = 0;
    }
    return new StorageRaftLog(partition, snapshots, logger, options.nowMs ?? Date.now, { start, entries, snapshot, batchStarts });
  }

  /** Directory holding the segments and snapshot files. */
  get dir(): string {
    return this.partition.dir;
  }

  startOffset(): number {
    return this.start;
  }

  endOffset(): number {
    return this.start + this.entries.length;
  }

  lastEpoch(): number {
    const last = this.entries[this.entries.length - 1];
    if (last) return last.epoch;
    return this.snapshot?.id.epoch ?? 0;
  }

  epochAt(offset: number): number | undefined {
    if (offset >= this.start && offset < this.endOffset()) return this.entries[offset - this.start]!.epoch;
    if (this.snapshot && offset === this.snapshot.id.endOffset - 1) return this.snapshot.id.epoch;
    return undefined;
  }

  append(entries: readonly LogEntry[]): void {
    if (entries.length === 0) return;
    let expected = this.endOffset();
    let lastEpoch = this.lastEpoch();
    for (const entry of entries) {
      assert(entry.offset === expected, `append at offset ${entry.offset}, log end is ${expected}`);
      assert(entry.epoch >= lastEpoch, `append epoch ${entry.epoch} after epoch ${lastEpoch}`);
      expected++;
      lastEpoch = entry.epoch;
    }
    for (const entry of entries) {
      this.entries.push(entry);
      this.epochs.assign(entry.epoch, entry.offset);
    }
    const { records, batchBaseOffsets } = encodeEntries(entries, this.nowMs());
    this.batchStarts.push(...batchBaseOffsets);
    // Offsets are the core's, so every replica (leader included) appends with offsets kept.
    this.enqueue("append", () => this.partition.appendAsFollower(records));
  }

  truncateTo(offset: number): void {
    assert(offset >= this.start, `truncate to ${offset} below log start ${this.start}`);
    if (offset >= this.endOffset()) return;
    // The storage engine removes a batch that straddles the truncation point whole, so
    // the entries of that batch below the point are written again afterwards.
    let straddling: number | undefined;
    while (this.batchStarts.length > 0 && this.batchStarts[this.batchStarts.length - 1]! >= offset) this.batchStarts.pop();
    const lastStart = this.batchStarts[this.batchStarts.length - 1];
    if (lastStart !== undefined) straddling = lastStart;
    const rewrite = straddling === undefined ? [] : this.entries.slice(Math.max(straddling, this.start) - this.start, offset - this.start);
    this.entries.length = offset - this.start;
    this.epochs.truncateFromEnd(offset);
    const timestampMs = this.nowMs();
    this.enqueue("truncate", async () => {
      await this.partition.truncateTo(offset);
      const lost = rewrite.filter((e) => e.offset >= this.partition.logEndOffset);
      if (lost.length > 0) await this.partition.appendAsFollower(encodeEntries(lost, timestampMs).records);
    });
  }

  read(fromOffset: number, maxBytes: number): LogEntry[] {
    assert(fromOffset >= this.start, `read from ${fromOffset} below log start ${this.start}`);
    const out: LogEntry[] = [];
    let bytes = 0;
    for (let i = fromOffset - this.start; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      bytes += entrySizeBytes(entry);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  endOffsetForEpoch(epoch: number): EpochEndOffset {
    // The leader-epoch cache holds (epoch, first offset); the largest epoch <= the one
    // asked for ends where the next epoch starts, or at the log end.
    const list = this.epochs.entries();
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i]!.epoch <= epoch) return { epoch: list[i]!.epoch, endOffset: list[i + 1]?.startOffset ?? this.endOffset() };
    }
    if (this.snapshot && this.snapshot.id.epoch <= epoch) return { epoch: this.snapshot.id.epoch, endOffset: this.snapshot.id.endOffset };
    if (this.start === 0) return { epoch: 0, endOffset: 0 };
    return { epoch: -1, endOffset: -1 };
  }

  latestSnapshot(): Snapshot | null {
    return this.snapshot;
  }

  saveSnapshotAndDeletePrefix(snapshot: Snapshot): void {
    const end = snapshot.id.endOffset;
    assert(end <= this.endOffset(), `snapshot end ${end} beyond log end ${this.endOffset()}`);
    if (this.snapshot && this.snapshot.id.endOffset >= end) return;
    this.snapshot = snapshot;
    if (end > this.start) {
      this.entries = this.entries.slice(end - this.start);
      this.start = end;
      this.epochs.truncateFromStart(end);
      this.dropEpochsBefore(end);
      // Keep the batch holding the new start: it may straddle it.
      let first = 0;
      while (first + 1 < this.batchStarts.length && this.batchStarts[first + 1]! <= end) first++;
      this.batchStarts = this.batchStarts.slice(first);
    }
    this.enqueue("snapshot", async () => {
      await this.snapshots.write(snapshot);
      // Only after the snapshot is durable may the prefix it replaces go.
      if (end > this.partition.logStartOffset) await this.partition.deleteRecordsBefore(end);
      await this.snapshots.deleteOlderThan(snapshot.id);
    });
  }

  installSnapshot(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.start = snapshot.id.endOffset;
    this.entries = [];
    this.epochs.clear();
    this.batchStarts = [];
    this.enqueue("install snapshot", async () => {
      await this.snapshots.write(snapshot);
      await this.partition.truncateFullyAndStartAt(snapshot.id.endOffset);
      await this.snapshots.deleteOlderThan(snapshot.id);
    });
  }

  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return this.writes.then(() => {
      if (this.failure) throw this.failure;
    });
  }

  /** Writes queued but not yet durable (diagnostics and tests). */
  get queuedWrites(): number {
    return this.pendingWrites;
  }

  /** Waits for queued writes; never rejects (close paths use it). */
  async settle(): Promise<void> {
    await this.writes;
  }

  private dropEpochsBefore(offset: number): void {
    // With no entry left, an epoch entry starting at the new log start describes nothing held.
    if (this.entries.length === 0 && this.epochs.entries().every((e) => e.startOffset >= offset)) this.epochs.clear();
  }

  private enqueue(what: string, write: () => Promise<unknown>): void {
    this.pendingWrites++;
    this.writes = this.writes.then(async () => {
      try {
        if (!this.failure) await write();
      } catch (error) {
        this.failure ??= new StorageRaftLogError(`metadata log ${what} failed: ${(error as Error).message}`, { cause: error });
        this.logger.error({ err: error }, `metadata log ${what} failed; the Raft log is stopped`);
      } finally {
        this.pendingWrites--;
      }
    });
  }
}

async function readAll(partition: PartitionLog, batchStarts: number[]): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  let offset = partition.logStartOffset;
  const end = partition.logEndOffset;
  for (let i = 0; offset < end && i < 10_000_000; i++) {
    const result = await partition.read(offset, LOAD_READ_MAX_BYTES);
    if (result.records.length === 0) break;
    entries.push(...decodeEntries(result.records, batchStarts));
    offset = result.nextOffset;
  }
  return entries;
}
