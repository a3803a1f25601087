import { join } from "node:path";
import { BATCH_HEADER_BYTES, BatchField, RecordBatchView, iterateRecords } from "@samsa/protocol";
import { validateBatchesForAppend, type BatchHeader } from "./batch-validation.js";
import type { Clock } from "./clock.js";
import { isDeleteRetained, validateLogConfig, type LogConfig } from "./config/log-config.js";
import { KafkaStorageError, LogClosedError, OffsetOutOfRangeError, OffsetSequenceError } from "./errors.js";
import { readTextIfExists, writeFileAtomically } from "./fs/file-io.js";
import { hasErrorCode, type FileSystem } from "./fs/file-system.js";
import { CLEANED_SUFFIX, DELETED_SUFFIX, LEADER_EPOCH_CHECKPOINT, LOG_SUFFIX, OFFSET_INDEX_SUFFIX, SWAP_SUFFIX, TIME_INDEX_SUFFIX, parseSegmentFileName } from "./format/file-names.js";
import { parseLeaderEpochCheckpoint, serializeLeaderEpochCheckpoint } from "./format/leader-epoch-checkpoint.js";
import type { IndexCache } from "./index-cache.js";
import { LeaderEpochCache, type EpochEndOffset } from "./leader-epoch-cache.js";
import type { StorageLogger } from "./logger.js";
import { LogSegment, type SegmentSettings } from "./segment.js";
import { DEFAULT_PRODUCER_ID_EXPIRATION_MS, ProducerStateManager } from "./producer-state/producer-state-manager.js";
import type { ProducerBatchMetadata, ProducerStateEntry } from "./producer-state/producer-state-entry.js";
import { ProducerSnapshots } from "./producer-state/producer-snapshots.js";
import { replayProducerState } from "./producer-state/replay-producer-state.js";
import { ReadBufferPool } from "./read-buffer-pool.js";
import { SerialExecutor } from "./serial-executor.js";

/** What an append did, as Produce responses and replication need it. */
export interface AppendInfo {
  firstOffset: number;
  lastOffset: number;
  /** The broker time stamped on the batches under LogAppendTime; -1 under CreateTime. */
  logAppendTimeMs: number;
  maxTimestamp: number;
  recordCount: number;
  batchCount: number;
  bytes: number;
  /**
   * Set when the append repeated a batch the idempotent producer had already
   * written: nothing was written, and the offsets are those of the original.
   */
  duplicate?: true;
}

export interface ReadResult {
  /** Whole batches, contiguous bytes as stored (empty when nothing is readable). */
  records: Buffer;
  /** Offset after the last returned batch; equals the fetch offset when nothing was returned. */
  nextOffset: number;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  /**
   * Hands `records`' buffer back to the log's read buffer pool once its bytes
   * have been written out and are no longer referenced; optional (unreleased
   * buffers are garbage-collected), idempotent.
   */
  release?: () => void;
}

/** ListOffsets special timestamps. */
export const ListOffsetsTimestamp = { latest: -1, earliest: -2, maxTimestamp: -3, earliestLocal: -4 } as const;

export interface TimestampAndOffset {
  timestamp: number;
  offset: number;
  /** Leader epoch of the batch holding `offset`, -1 when unknown. */
  leaderEpoch: number;
}

/** Told after each append group is acknowledged, so fetch long-polls wake without polling. */
/**
 * Called when the log end moves (bytes written) and when the flushed offset
 * moves (fsync done); under the durable policy a group triggers both, in that
 * order, so `flushedOffset` may be behind `logEndOffset`.
 */
export type AppendListener = (event: { logEndOffset: number; flushedOffset: number }) => void;

export interface PartitionLogOptions {
  fs: FileSystem;
  dir: string;
  topic: string;
  partition: number;
  config: LogConfig;
  clock: Clock;
  logger: StorageLogger;
  indexCache: IndexCache;
  /** Where reads get their buffers; without one every read allocates. */
  readBufferPool?: ReadBufferPool;
  /** producer.id.expiration.ms: idle producers are forgotten after this long (default one day). */
  producerIdExpirationMs?: number;
  /** Bytes per group write (default MAX_GROUP_BYTES); tests make it small so appends overlap. */
  maxGroupBytes?: number;
  /** Uniform in [0, 1): draws each segment's segment.jitter.ms share (default Math.random; tests inject a seeded one). */
  random?: () => number;
}

/** What the log dir's checkpoints say about this partition when it is opened. */
export interface LogLoadState {
  cleanShutdown: boolean;
  recoveryPoint?: number;
  logStartOffset?: number;
  highWatermark?: number;
}

interface PendingAppend {
  records: Buffer;
  batches: BatchHeader[];
  asLeader: boolean;
  leaderEpoch: number;
  resolve: (info: AppendInfo) => void;
  reject: (err: unknown) => void;
}

/** Retries of a read whose segment was truncated between locating and reading. */
const MAX_READ_ATTEMPTS = 3;
const TIMESTAMP_TYPE_LOG_APPEND = 0x08;
/**
 * Bytes written per append group at most (a single larger append still goes
 * alone). Small on purpose: the group-commit fsync covers everything written
 * when it starts, so it is not shared any less, but a short write lets that
 * fsync start sooner and the next write run beside it. Measured with 16
 * appends of 1 MiB in flight (one write at a time): 1 MiB groups 61-65 % of
 * the plain write loop, 8 MiB groups 51 %.
 */
const MAX_GROUP_BYTES = 1024 * 1024;
/**
 * Group writes issued at once. Two keep the file busy: the second waits in the
 * kernel behind the first instead of behind this thread's bookkeeping (about a
 * tenth of the time at 1 MiB batches).
 */
const MAX_WRITES_IN_FLIGHT = 2;
/** Groups one drain writes before letting other serial operations (roll, retention, truncation) run. */
const MAX_GROUPS_PER_DRAIN = 64;

/** Appends written together by one writev, and what their acknowledgements need. */
class AppendGroup {
  /** Every append taken into the group, duplicates included: all fail if its write fails. */
  readonly appends: PendingAppend[] = [];
  readonly accepted: { append: PendingAppend; info: AppendInfo }[] = [];
  readonly buffers: Buffer[] = [];
  readonly headers: BatchHeader[] = [];
  bytes = 0;
  /** Records written by the group (duplicates excluded), for flush.messages. */
  recordCount = 0;
  /** Offset after the group's last written batch; undefined when it holds only duplicates. */
  endOffset: number | undefined;
  /** Offset after the last original batch that a duplicate in this group is answered with. */
  duplicatesEnd = -1;

  accept(append: PendingAppend, info: AppendInfo): void {
    this.appends.push(append);
    this.accepted.push({ append, info });
  }

  add(append: PendingAppend, info: AppendInfo): void {
    this.accept(append, info);
    for (const h of append.batches) this.headers.push({ ...h, position: this.bytes + h.position });
    this.buffers.push(append.records);
    this.bytes += append.records.length;
    this.recordCount += info.recordCount;
    this.endOffset = info.lastOffset + 1;
  }
}
/** For logs opened without a pool: every read gets a buffer of its own. */
const UNPOOLED_READS = new ReadBufferPool(1, 0, 0);

/**
 * One partition's log: an ordered list of segments, the leader-epoch cache,
 * and the append pipeline with group commit.
 *
 * Every mutation runs on one SerialExecutor. Appends queue up while the
 * previous group is being written and fsynced, and the next group takes all
 * of them at once: one writev and one fsync per group.
 */
export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  private configValue: LogConfig;
  private segments: LogSegment[] = [];
  private logStart = 0;
  private highWatermarkValue = 0;
  private flushed = 0;
  private unflushedMessages = 0;
  private lastFlushMs: number;
  private readonly epochs: LeaderEpochCache;
  private readonly serial = new SerialExecutor();
  private readonly readBuffers: ReadBufferPool;
  private pending: PendingAppend[] = [];
  private syncWaiters: { endOffset: number; acks: (() => void)[]; rejects: ((err: unknown) => void)[] }[] = [];
  private syncing: Promise<void> | undefined;
  /** Bumped by every truncation so an fsync that raced with one does not advance flushedOffset. */
  private truncationCount = 0;
  private drainScheduled = false;
  /** Each segment's segment.jitter.ms draw (see rollJitterMs). */
  private readonly rollJitters = new WeakMap<LogSegment, number>();
  private failure: KafkaStorageError | undefined;
  private closed = false;
  private readonly listeners = new Set<AppendListener>();
  private pendingFileDeletes: { paths: string[]; dueMs: number }[] = [];
  private readonly producers: ProducerStateManager;
  private readonly producerSnapshots: ProducerSnapshots;

  private constructor(
    private readonly options: PartitionLogOptions,
    epochs: LeaderEpochCache,
  ) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.dir = options.dir;
    this.configValue = options.config;
    this.epochs = epochs;
    this.readBuffers = options.readBufferPool ?? UNPOOLED_READS;
    this.lastFlushMs = options.clock.nowMs();
    this.producers = new ProducerStateManager(`${options.topic}-${options.partition}`);
    this.producerSnapshots = new ProducerSnapshots(options.fs, options.dir, options.logger);
  }

  // ================================================================ opening

  /** Opens (or initialises) the log in `options.dir`, recovering it if the shutdown was unclean. */
  static async open(options: PartitionLogOptions, state: LogLoadState): Promise<PartitionLog> {
    validateLogConfig(options.config);
    const { fs, dir, logger } = options;
    await fs.mkdir(dir);
    const epochs = new LeaderEpochCache(await loadEpochCheckpoint(fs, join(dir, LEADER_EPOCH_CHECKPOINT), logger));
    const log = new PartitionLog(options, epochs);
    await log.load(state);
    return log;
  }

  private get segmentSettings(): SegmentSettings {
    const { fs, dir, indexCache, logger } = this.options;
    return { fs, dir, indexCache, logger, indexIntervalBytes: this.configValue.indexIntervalBytes, segmentIndexBytes: this.configValue.segmentIndexBytes };
  }

  private async load(state: LogLoadState): Promise<void> {
    const { fs, dir, logger, clock } = this.options;
    const bases = await this.cleanDirectory();
    const now = clock.nowMs();
    if (bases.length === 0) {
      const base = Math.max(state.logStartOffset ?? 0, 0);
      this.segments = [await LogSegment.create(this.segmentSettings, base, now)];
      await fs.syncDir(dir);
    } else {
      for (const base of bases) this.segments.push(await LogSegment.open(this.segmentSettings, base, now));
      await this.recoverSegments(state);
    }
    const active = this.active;
    await active.becomeActive();
    this.logStart = Math.min(Math.max(state.logStartOffset ?? 0, this.segments[0]!.baseOffset), this.logEndOffset);
    this.flushed = this.logEndOffset;
    this.highWatermarkValue = clamp(state.highWatermark ?? 0, this.logStart, this.logEndOffset);
    const epochsChanged = this.epochs.truncateFromEnd(this.logEndOffset) || this.epochs.truncateFromStart(this.logStart);
    if (epochsChanged) await this.persistEpochs();
    await this.rebuildProducerState();
    logger.info({ topic: this.topic, partition: this.partition, logStartOffset: this.logStart, logEndOffset: this.logEndOffset, segments: this.segments.length }, "log loaded");
  }

  /**
   * Removes leftovers of interrupted operations and returns the base offsets
   * of the segments, ascending. `.swap` files are finished compaction output
   * and replace their originals; `.cleaned`, `.deleted` and `.tmp` files are
   * discarded; index files without a log are orphans.
   */
  private async cleanDirectory(): Promise<number[]> {
    const { fs, dir, logger } = this.options;
    let names = await fs.readdir(dir);
    for (const name of names.filter((n) => n.endsWith(SWAP_SUFFIX))) {
      const final = name.slice(0, -SWAP_SUFFIX.length);
      if (parseSegmentFileName(final, LOG_SUFFIX) !== undefined) {
        logger.info({ dir, file: name }, "completing an interrupted compaction swap");
        const stem = final.slice(0, -LOG_SUFFIX.length);
        await unlinkIfExists(fs, join(dir, stem + OFFSET_INDEX_SUFFIX));
        await unlinkIfExists(fs, join(dir, stem + TIME_INDEX_SUFFIX));
        await fs.rename(join(dir, name), join(dir, final));
      } else await unlinkIfExists(fs, join(dir, name));
    }
    names = await fs.readdir(dir);
    const bases: number[] = [];
    const logStems = new Set<string>();
    for (const name of names) {
      const base = parseSegmentFileName(name, LOG_SUFFIX);
      if (base !== undefined) {
        bases.push(base);
        logStems.add(name.slice(0, -LOG_SUFFIX.length));
      }
    }
    for (const name of names) {
      const orphanIndex = [OFFSET_INDEX_SUFFIX, TIME_INDEX_SUFFIX].some((s) => parseSegmentFileName(name, s) !== undefined && !logStems.has(name.slice(0, -s.length)));
      const leftover = name.endsWith(DELETED_SUFFIX) || name.endsWith(CLEANED_SUFFIX) || name.endsWith(".tmp");
      if (orphanIndex || leftover) await unlinkIfExists(fs, join(dir, name));
    }
    await fs.syncDir(dir);
    return bases.sort((a, b) => a - b);
  }

  private async recoverSegments(state: LogLoadState): Promise<void> {
    const { logger } = this.options;
    if (state.cleanShutdown) {
      this.fillInactiveNextOffsets();
      await this.active.loadWithoutRecovery();
      return;
    }
    // Everything from the segment holding the recovery point on may hold torn or unsynced bytes.
    const recoveryPoint = state.recoveryPoint ?? 0;
    let first = 0;
    for (let i = 0; i < this.segments.length; i++) if (this.segments[i]!.baseOffset <= recoveryPoint) first = i;
    this.fillInactiveNextOffsets();
    for (let i = first; i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      const { truncatedBytes, problem } = await segment.recover();
      const nextBase = this.segments[i + 1]?.baseOffset;
      const overlapsNext = nextBase !== undefined && segment.nextOffset > nextBase;
      if (truncatedBytes > 0 || overlapsNext) {
        logger.warn({ topic: this.topic, partition: this.partition, segment: segment.logPath, truncatedBytes, problem, overlapsNext }, "recovery cut the log at the first invalid batch; later segments are removed");
        const doomed = this.segments.splice(i + 1);
        for (const later of doomed) {
          await later.renameFiles(DELETED_SUFFIX);
          await later.close();
          await this.unlinkDeleted(later);
        }
        if (doomed.length > 0) await this.options.fs.syncDir(this.dir);
      }
      if (i < this.segments.length - 1) await segment.becomeInactive();
    }
  }

  /** Inactive segments end where the next one starts (exact values come with their indexes). */
  private fillInactiveNextOffsets(): void {
    for (let i = 0; i < this.segments.length - 1; i++) this.segments[i]!.nextOffset = this.segments[i + 1]!.baseOffset;
  }

  // ================================================================ state

  get config(): LogConfig {
    return this.configValue;
  }
  get logStartOffset(): number {
    return this.logStart;
  }
  /** Offset after the last written batch (readable up to the caller's bound). */
  get logEndOffset(): number {
    return this.active.nextOffset;
  }
  /** Offset below which every batch is fsynced; the recovery point. */
  get flushedOffset(): number {
    return this.flushed;
  }
  get highWatermark(): number {
    return this.highWatermarkValue;
  }
  /** Set by replication (or the broker for single replicas); clamped to [logStartOffset, logEndOffset]. */
  set highWatermark(offset: number) {
    this.highWatermarkValue = clamp(offset, this.logStart, this.logEndOffset);
  }
  get sizeBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.sizeBytes, 0);
  }
  get segmentCount(): number {
    return this.segments.length;
  }
  /** Base offsets of the segments, ascending (diagnostics and tests). */
  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }
  get latestEpoch(): number {
    return this.epochs.latestEpoch;
  }
  /** True once an I/O failure stopped the log. */
  get isFailed(): boolean {
    return this.failure !== undefined;
  }
  private get active(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  updateConfig(config: LogConfig): void {
    validateLogConfig(config);
    this.configValue = config;
  }

  onAppend(listener: AppendListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ================================================================ appends

  /**
   * Appends producer batches as the leader: validates each (throws typed
   * errors, log unchanged), assigns offsets by rewriting baseOffset and
   * partitionLeaderEpoch in place, and resolves once the bytes are durable
   * per the flush policy. `records` is owned by the log from here on.
   */
  appendAsLeader(records: Buffer, leaderEpoch: number): Promise<AppendInfo> {
    return this.enqueueAppend(records, true, leaderEpoch);
  }

  /**
   * Appends batches fetched from the leader, keeping their offsets and epochs.
   * Their base offset must be at or past the log end.
   */
  appendAsFollower(records: Buffer): Promise<AppendInfo> {
    return this.enqueueAppend(records, false, -1);
  }

  private enqueueAppend(records: Buffer, asLeader: boolean, leaderEpoch: number): Promise<AppendInfo> {
    try {
      this.assertWritable();
      const batches = validateBatchesForAppend(records, this.configValue, asLeader);
      return new Promise<AppendInfo>((resolve, reject) => {
        this.pending.push({ records, batches, asLeader, leaderEpoch, resolve, reject });
        this.scheduleDrain();
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private assertWritable(): void {
    if (this.closed) throw new LogClosedError(`log ${this.topic}-${this.partition} is closed`);
    if (this.failure !== undefined) throw this.failure;
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    void this.serial.runNowIfIdle(() => {
      this.drainScheduled = false;
      return this.drain();
    });
  }

  /**
   * Writes the queued appends in groups of up to MAX_GROUP_BYTES, with up to
   * MAX_WRITES_IN_FLIGHT group writes issued at once: the next group's write
   * is queued in the kernel behind the previous one, so the file is never idle
   * while this thread finishes a group. Each group is acknowledged once its
   * write (and every earlier one) completed, at once under the relaxed policy,
   * after an fsync covers it under group commit. One drain handles at most
   * MAX_GROUPS_PER_DRAIN groups, so other serial operations are not starved.
   */
  private async drain(): Promise<void> {
    const inFlight: Promise<void>[] = [];
    const maxGroupBytes = this.options.maxGroupBytes ?? MAX_GROUP_BYTES;
    let group = new AppendGroup();
    let next = this.logEndOffset;
    let epochsChanged = false;
    const now = this.options.clock.nowMs();
    /** Taken from `pending` and not yet in a group: failed with the drain if a roll fails. */
    let taken: PendingAppend | undefined;
    const issue = async (): Promise<void> => {
      if (group.appends.length === 0) return;
      const issued = group;
      group = new AppendGroup();
      // A group of duplicates only writes nothing; it is answered once the writes before it completed.
      let written = issued.buffers.length > 0 ? this.active.append(issued.buffers, issued.headers) : this.active.appendsApplied();
      if (epochsChanged) {
        // Rare (a new leader epoch): the checkpoint is written after the bytes
        // it describes and before they are acknowledged.
        epochsChanged = false;
        written = written.then(() => this.persistEpochs());
        inFlight.push(this.acknowledgeWhenWritten(issued, written, now));
        await Promise.all(inFlight.splice(0));
        return;
      }
      inFlight.push(this.acknowledgeWhenWritten(issued, written, now));
      for (let i = 0; i < MAX_WRITES_IN_FLIGHT && inFlight.length >= MAX_WRITES_IN_FLIGHT; i++) await inFlight.shift();
    };
    try {
      for (let groups = 0; groups < MAX_GROUPS_PER_DRAIN && (this.pending.length > 0 || group.appends.length > 0); ) {
        const append = this.pending[0];
        if (append === undefined || (group.appends.length > 0 && group.bytes + append.records.length > maxGroupBytes)) {
          await issue();
          groups += 1;
          continue;
        }
        this.pending.shift();
        taken = append;
        if (this.failure !== undefined || this.closed) {
          append.reject(this.failure ?? new LogClosedError(`log ${this.topic}-${this.partition} is closed`));
          continue;
        }
        let info: AppendInfo;
        try {
          // Checked and recorded before the next append is looked at, so a retry in the same drain is caught.
          const duplicate = append.asLeader ? this.producers.checkLeaderAppend(append.records, append.batches) : undefined;
          if (duplicate !== undefined) {
            group.accept(append, this.duplicateInfo(duplicate));
            group.duplicatesEnd = Math.max(group.duplicatesEnd, duplicate.lastOffset + 1);
            continue;
          }
          info = this.assignOffsets(append, next, now);
        } catch (err) {
          append.reject(err);
          continue;
        }
        const active = this.active;
        const segmentTooOld = active.hasAppends && now - active.rollBaseTimestampMs > this.configValue.segmentMs - this.rollJitterMs(active);
        if (segmentTooOld || !active.canAppend(group.bytes + append.records.length, info.lastOffset, this.configValue.segmentBytes)) {
          await issue();
          groups += 1;
          // A roll fsyncs and closes the active segment: its writes must have completed.
          await Promise.all(inFlight.splice(0));
          if (this.failure !== undefined) {
            append.reject(this.failure);
            continue;
          }
          await this.roll(info.firstOffset, now);
        }
        this.producers.apply(append.records, append.batches);
        group.add(append, info);
        taken = undefined;
        epochsChanged = this.recordEpochs(append, info) || epochsChanged;
        next = info.lastOffset + 1;
      }
      await issue();
    } catch (err) {
      this.fail(err, "append");
      // Settling twice is a no-op, so every append of the group is failed, handled or not.
      taken?.reject(this.failure);
      for (const append of group.appends) append.reject(this.failure);
    }
    await Promise.all(inFlight);
    if (this.pending.length > 0) this.scheduleDrain();
  }

  /** Acknowledges `group` once `written` (which completes after every earlier group's write) settles; never rejects. */
  private async acknowledgeWhenWritten(group: AppendGroup, written: Promise<void>, now: number): Promise<void> {
    try {
      await written;
    } catch (err) {
      this.fail(err, "append");
      for (const append of group.appends) append.reject(this.failure);
      return;
    }
    if (group.accepted.length === 0) return;
    if (this.failure !== undefined) {
      // An earlier group failed after this one's bytes were written: nothing more is acknowledged.
      for (const append of group.appends) append.reject(this.failure);
      return;
    }
    const endOffset = group.endOffset ?? this.logEndOffset;
    // Counted once written, so the flush policy sees each group's records when deciding on it.
    this.unflushedMessages += group.recordCount;
    // A duplicate is acknowledged no earlier than its original: once that is fsynced.
    if (this.flushDue(now) || group.duplicatesEnd > this.flushed) {
      // Acknowledged by the group-commit syncer once an fsync covers them; the
      // next group is written meanwhile.
      this.unflushedMessages = 0;
      this.lastFlushMs = now;
      this.syncWaiters.push({ endOffset, acks: group.accepted.map(({ append, info }) => () => append.resolve(info)), rejects: group.accepted.map(({ append }) => append.reject) });
      this.startSyncer();
      // The log end moved before the fsync: followers may fetch these bytes
      // now, overlapping their round with this fsync (listeners see
      // flushedOffset still behind).
      this.notifyAppend();
      return;
    }
    // Acknowledge on the next turn: the next group's write is issued first, so
    // producers validating their next batches overlap with it.
    setImmediate(() => {
      for (const { append, info } of group.accepted) append.resolve(info);
      this.notifyAppend();
    });
  }

  /**
   * Group commit: one fsync at a time, each covering everything written when
   * it starts; every append waiting at or below that point is acknowledged
   * together. An fsync error stops the log and fails every waiter.
   */
  private startSyncer(): void {
    if (this.syncing !== undefined) return;
    this.syncing = (async () => {
      while (this.syncWaiters.length > 0 && this.failure === undefined) {
        const target = this.logEndOffset;
        const truncations = this.truncationCount;
        try {
          await this.active.flush();
        } catch (err) {
          this.fail(err, "fsync");
          break;
        }
        if (truncations === this.truncationCount) this.flushed = Math.max(this.flushed, target);
        const covered = this.syncWaiters.filter((w) => w.endOffset <= target || truncations !== this.truncationCount);
        this.syncWaiters = this.syncWaiters.filter((w) => !covered.includes(w));
        for (const w of covered) for (const ack of w.acks) ack();
        if (covered.length > 0) this.notifyAppend();
      }
      if (this.failure !== undefined) {
        for (const w of this.syncWaiters.splice(0)) for (const reject of w.rejects) reject(this.failure);
      }
    })().finally(() => {
      this.syncing = undefined;
      if (this.syncWaiters.length > 0 && this.failure === undefined) this.startSyncer();
    });
  }

  /** Resolves when no fsync is running or waited for. */
  private async syncIdle(): Promise<void> {
    for (let i = 0; i < 1000 && this.syncing !== undefined; i++) await this.syncing;
  }

  /** Rewrites offsets (leader) or checks them (follower) for one queued append starting at `next`. */
  private assignOffsets(append: PendingAppend, next: number, now: number): AppendInfo {
    const { records, batches } = append;
    let maxTimestamp = -1;
    let recordCount = 0;
    let logAppendTimeMs = -1;
    if (append.asLeader) {
      const logAppendTime = this.configValue.messageTimestampType === "LogAppendTime";
      let offset = next;
      for (const b of batches) {
        const view = new RecordBatchView(records, b.position);
        const delta = b.lastOffset - b.baseOffset;
        view.baseOffset = offset;
        view.partitionLeaderEpoch = append.leaderEpoch;
        if (logAppendTime) {
          // The timestamp type bit and max timestamp are under the CRC, so it is recomputed.
          records.writeInt16BE(view.attributes | TIMESTAMP_TYPE_LOG_APPEND, b.position + BatchField.attributes);
          records.writeBigInt64BE(BigInt(now), b.position + BatchField.maxTimestamp);
          view.writeCrc();
          b.maxTimestamp = now;
        }
        b.baseOffset = offset;
        b.lastOffset = offset + delta;
        b.partitionLeaderEpoch = append.leaderEpoch;
        offset = b.lastOffset + 1;
      }
      if (logAppendTime) logAppendTimeMs = now;
    } else if (batches[0]!.baseOffset < next) {
      throw new OffsetSequenceError(`follower append at offset ${batches[0]!.baseOffset} is below the log end offset ${next} of ${this.topic}-${this.partition}`);
    }
    for (const b of batches) {
      maxTimestamp = Math.max(maxTimestamp, b.maxTimestamp);
      recordCount += b.recordsCount;
    }
    return {
      firstOffset: batches[0]!.baseOffset,
      lastOffset: batches[batches.length - 1]!.lastOffset,
      logAppendTimeMs,
      maxTimestamp,
      recordCount,
      batchCount: batches.length,
      bytes: records.length,
    };
  }

  private recordEpochs(append: PendingAppend, info: AppendInfo): boolean {
    if (append.asLeader) return this.epochs.assign(append.leaderEpoch, info.firstOffset);
    let changed = false;
    for (const b of append.batches) {
      if (b.partitionLeaderEpoch >= 0 && b.partitionLeaderEpoch > this.epochs.latestEpoch) {
        changed = this.epochs.assign(b.partitionLeaderEpoch, b.baseOffset) || changed;
      }
    }
    return changed;
  }

  /**
   * This segment's roll jitter: drawn once per segment in [0,
   * min(segment.jitter.ms, segment.ms)), as Kafka does, and kept until the
   * segment rolls (a changed segment.jitter.ms applies to the next segment).
   */
  private rollJitterMs(segment: LogSegment): number {
    const bound = Math.min(this.configValue.segmentJitterMs, this.configValue.segmentMs);
    if (bound <= 0) return 0;
    let jitter = this.rollJitters.get(segment);
    if (jitter === undefined) {
      jitter = Math.floor((this.options.random ?? Math.random)() * bound);
      this.rollJitters.set(segment, jitter);
    }
    return jitter;
  }

  private flushDue(now: number): boolean {
    const c = this.configValue;
    return this.unflushedMessages >= c.flushMessages || now - this.lastFlushMs >= c.flushMs;
  }

  private async flushActive(now: number): Promise<void> {
    const end = this.logEndOffset;
    await this.active.flush();
    this.flushed = Math.max(this.flushed, end);
    this.unflushedMessages = 0;
    this.lastFlushMs = now;
  }

  private async roll(newBaseOffset: number, now: number): Promise<void> {
    const old = this.active;
    if (old.isEmpty) {
      // An empty active segment cannot hold the next offsets (a follower jumped
      // past its int32 range): replace it instead of keeping an empty segment.
      if (old.baseOffset === newBaseOffset) return;
      this.segments.pop();
      await this.removeSegments([old], true);
      this.segments.push(await LogSegment.create(this.segmentSettings, newBaseOffset, now));
      await this.options.fs.syncDir(this.dir);
      if (this.segments.length === 1) this.logStart = Math.max(this.logStart, newBaseOffset);
      return;
    }
    await old.flush();
    await old.becomeInactive();
    this.flushed = Math.max(this.flushed, old.nextOffset);
    const segment = await LogSegment.create(this.segmentSettings, newBaseOffset, now);
    await this.options.fs.syncDir(this.dir);
    this.segments.push(segment);
    this.options.logger.info({ topic: this.topic, partition: this.partition, baseOffset: newBaseOffset, previousBytes: old.sizeBytes }, "rolled segment");
    // Everything below the new segment is durable, so a restart replays at most the active segment.
    await this.snapshotProducerState(newBaseOffset);
  }

  /** Forces a roll of a non-empty active segment (tests, operators). */
  forceRoll(): Promise<void> {
    return this.serial.run(async () => {
      this.assertWritable();
      if (!this.active.isEmpty) await this.guard(() => this.roll(this.logEndOffset, this.options.clock.nowMs()), "roll");
    });
  }

  private fail(err: unknown, during: string): void {
    if (this.failure === undefined) {
      this.failure = new KafkaStorageError(`log ${this.topic}-${this.partition} stopped after an I/O error during ${during}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
      this.options.logger.error({ topic: this.topic, partition: this.partition, err }, "I/O error; the log is stopped and acknowledges nothing more until reopened");
    }
    for (const a of this.pending.splice(0)) a.reject(this.failure);
    for (const w of this.syncWaiters.splice(0)) for (const reject of w.rejects) reject(this.failure);
  }

  /** Runs an I/O step; any failure stops the log (fail-stop, never retry-and-ack). */
  private async guard<T>(step: () => Promise<T>, during: string): Promise<T> {
    try {
      return await step();
    } catch (err) {
      this.fail(err, during);
      throw this.failure;
    }
  }

  private notifyAppend(): void {
    const event = { logEndOffset: this.logEndOffset, flushedOffset: this.flushed };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.options.logger.warn({ err }, "append listener threw");
      }
    }
  }

  /** fsyncs when flush.ms has elapsed with unflushed data (the relaxed policy's timer). */
  async maybeFlush(nowMs: number): Promise<void> {
    if (this.unflushedMessages === 0 || nowMs - this.lastFlushMs < this.configValue.flushMs) return;
    await this.serial.run(async () => {
      if (this.failure !== undefined || this.closed || this.unflushedMessages === 0) return;
      await this.guard(() => this.flushActive(nowMs), "flush");
    });
  }

  /** fsyncs everything written so far. */
  flush(): Promise<void> {
    return this.serial.run(async () => {
      await this.syncIdle();
      this.assertWritable();
      await this.guard(() => this.flushActive(this.options.clock.nowMs()), "flush");
    });
  }

  // ================================================================ reads

  /**
   * Reads whole batches from `fetchOffset`: at most `maxBytes`, except that the
   * first batch is returned whole even if larger (KIP-74); only batches
   * entirely below `upperBoundOffset` (high watermark or last stable offset).
   * Throws OffsetOutOfRangeError outside [logStartOffset, logEndOffset].
   */
  async read(fetchOffset: number, maxBytes: number, upperBoundOffset: number = this.logEndOffset): Promise<ReadResult> {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new LogClosedError(`log ${this.topic}-${this.partition} is closed`);
    const logEnd = this.logEndOffset;
    if (fetchOffset < this.logStart || fetchOffset > logEnd) {
      throw new OffsetOutOfRangeError(`offset ${fetchOffset} is outside [${this.logStart}, ${logEnd}] of ${this.topic}-${this.partition}`);
    }
    const bound = Math.min(upperBoundOffset, logEnd);
    for (let attempt = 0; attempt < MAX_READ_ATTEMPTS; attempt++) {
      const result = await this.readOnce(fetchOffset, Math.max(maxBytes, 0), bound);
      if (result !== undefined) return result;
    }
    return this.readResult(Buffer.alloc(0), fetchOffset);
  }

  private readResult(records: Buffer, nextOffset: number): ReadResult {
    return { records, nextOffset, logStartOffset: this.logStart, logEndOffset: this.logEndOffset, highWatermark: this.highWatermarkValue };
  }

  /** One attempt; undefined when a truncation raced with it. */
  private async readOnce(fetchOffset: number, maxBytes: number, bound: number): Promise<ReadResult | undefined> {
    if (fetchOffset >= bound) return this.readResult(Buffer.alloc(0), fetchOffset);
    let index = this.segmentIndexFor(fetchOffset);
    for (; index < this.segments.length; index++) {
      const segment = this.segments[index]!;
      if (!segment.acquire()) return undefined;
      let lease: { buffer: Buffer; release: () => void } | undefined;
      try {
        const generation = segment.generation;
        const location = await segment.locate(fetchOffset);
        if (location === undefined) continue;
        const available = segment.sizeBytes - location.position;
        // Read a header's worth past the limit so the next batch's size is known for the next read.
        const want = Math.max(maxBytes, location.nextBatchBytes ?? 0) + BATCH_HEADER_BYTES;
        lease = this.readBuffers.acquire(Math.min(available, want));
        const read = await segment.readInto(lease.buffer, 0, location.position);
        let bytes = read === lease.buffer.length ? lease.buffer : lease.buffer.subarray(0, read);
        let end = wholeBatchesBelow(bytes, bound, maxBytes);
        if (end.bytes === 0 && bytes.length >= BATCH_HEADER_BYTES) {
          // KIP-74: the first batch is returned even when it exceeds maxBytes.
          const firstSize = bytes.readInt32BE(BatchField.batchLength) + 12;
          if (firstSize > bytes.length && firstSize <= available) {
            // Keep what was read and fetch only the rest of the batch (plus the next header).
            const whole = Buffer.allocUnsafe(Math.min(firstSize + BATCH_HEADER_BYTES, available));
            bytes.copy(whole, 0);
            lease.release();
            lease = undefined;
            const filled = await segment.readInto(whole, bytes.length, location.position + bytes.length);
            bytes = filled === whole.length ? whole : whole.subarray(0, filled);
            end = wholeBatchesBelow(bytes, bound, maxBytes);
          }
        }
        if (segment.generation !== generation) return undefined;
        if (end.bytes === 0) return this.readResult(Buffer.alloc(0), fetchOffset);
        segment.noteReadEnd(end.nextOffset, location.position + end.bytes, generation, end.nextBatchBytes);
        const result = this.readResult(end.bytes === bytes.length ? bytes : bytes.subarray(0, end.bytes), end.nextOffset);
        if (lease !== undefined) {
          result.release = lease.release;
          lease = undefined;
        }
        return result;
      } finally {
        // Only a lease not handed to the caller is back in the pool here.
        lease?.release();
        segment.release();
      }
    }
    return this.readResult(Buffer.alloc(0), fetchOffset);
  }

  /** Index of the last segment whose base offset is <= `offset` (0 when before all). */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /**
   * ListOffsets: -2 earliest, -1 latest (the log end; the broker bounds it by
   * the high watermark), -3 the record with the largest timestamp, or the
   * first record whose timestamp is >= `timestamp`. Undefined when no record
   * qualifies.
   */
  async offsetForTimestamp(timestamp: number): Promise<TimestampAndOffset | undefined> {
    if (timestamp === ListOffsetsTimestamp.earliest || timestamp === ListOffsetsTimestamp.earliestLocal) {
      return { timestamp: -1, offset: this.logStart, leaderEpoch: this.epochAt(this.logStart) };
    }
    if (timestamp === ListOffsetsTimestamp.latest) return { timestamp: -1, offset: this.logEndOffset, leaderEpoch: this.epochs.latestEpoch };
    if (timestamp === ListOffsetsTimestamp.maxTimestamp) return this.maxTimestampOffset();
    if (timestamp < 0) return undefined;
    for (const segment of [...this.segments]) {
      if (segment.nextOffset <= this.logStart || segment.isEmpty) continue;
      if (!segment.acquire()) continue;
      try {
        if ((await segment.largestTimestamp()) < timestamp) continue;
        const timeIndex = await segment.timeIndexLoaded();
        // Batches up to an entry stamped below the target are all older than it.
        const hint = timeIndex.lookup(timestamp - 1)?.offset ?? segment.baseOffset;
        const start = await segment.locate(Math.max(hint, this.logStart, segment.baseOffset));
        if (start === undefined) continue;
        let found: TimestampAndOffset | undefined;
        await segment.scan(start.position, false, (h, bytes) => {
          if (h.maxTimestamp >= timestamp && h.lastOffset >= this.logStart) {
            const record = firstRecordWhere(bytes, (offset, ts) => offset >= this.logStart && ts >= timestamp);
            found = record ?? { timestamp: h.maxTimestamp, offset: Math.max(h.baseOffset, this.logStart), leaderEpoch: h.partitionLeaderEpoch };
            return false;
          }
          return true;
        }, segment.sizeBytes);
        if (found !== undefined) return found;
      } finally {
        segment.release();
      }
    }
    return undefined;
  }

  private async maxTimestampOffset(): Promise<TimestampAndOffset | undefined> {
    let best: LogSegment | undefined;
    let bestTs = -1;
    for (const segment of [...this.segments]) {
      const ts = await segment.largestTimestamp();
      if (ts > bestTs && segment.offsetOfMaxTimestamp >= this.logStart) {
        best = segment;
        bestTs = ts;
      }
    }
    if (best === undefined) return undefined;
    const batchLastOffset = best.offsetOfMaxTimestamp;
    let found: TimestampAndOffset = { timestamp: bestTs, offset: batchLastOffset, leaderEpoch: this.epochAt(batchLastOffset) };
    // The segment knows the batch; the record inside it comes from decoding that one batch.
    if (best.acquire()) {
      try {
        const location = await best.locate(batchLastOffset);
        if (location !== undefined) {
          await best.scan(location.position, false, (h, bytes) => {
            const record = firstRecordWhere(bytes, (offset, ts) => offset >= this.logStart && ts === bestTs);
            if (record !== undefined) found = { ...record, leaderEpoch: h.partitionLeaderEpoch };
            return false;
          }, best.sizeBytes);
        }
      } finally {
        best.release();
      }
    }
    return found;
  }

  private epochAt(offset: number): number {
    let epoch = -1;
    for (const e of this.epochs.entries()) if (e.startOffset <= offset) epoch = e.epoch;
    return epoch;
  }

  // ================================================================ idempotent producers

  /** Producer ids this partition remembers, and duplicates answered since the log was opened (metrics). */
  producerStateStats(): { producerIds: number; duplicateBatches: number } {
    return { producerIds: this.producers.producerCount, duplicateBatches: this.producers.duplicateBatchCount };
  }

  /**
   * The last offset of each remembered producer's latest batch: compaction
   * keeps those batches (empty if need be), as Kafka's cleaner does, so the
   * producers' sequence state can be rebuilt from the log alone.
   */
  lastBatchOffsetsOfProducers(): Map<number, number> {
    const out = new Map<number, number>();
    for (const entry of this.producers.entries()) if (entry.lastOffset >= 0) out.set(entry.producerId, entry.lastOffset);
    return out;
  }

  /** What the partition knows about one producer (tests and diagnostics); a copy. */
  producerEntry(producerId: number): ProducerStateEntry | undefined {
    return this.producers.entry(producerId)?.clone();
  }

  /** Forgets producers idle for producer.id.expiration.ms (driven by the manager's tick); returns how many. */
  removeExpiredProducers(nowMs: number): Promise<number> {
    return this.serial.run(async () => this.producers.removeExpired(nowMs, this.producerIdExpirationMs));
  }

  private get producerIdExpirationMs(): number {
    return this.options.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS;
  }

  private duplicateInfo(original: ProducerBatchMetadata): AppendInfo {
    const logAppendTime = this.configValue.messageTimestampType === "LogAppendTime";
    return {
      firstOffset: original.firstOffset,
      lastOffset: original.lastOffset,
      logAppendTimeMs: logAppendTime ? original.maxTimestamp : -1,
      maxTimestamp: original.maxTimestamp,
      recordCount: 0,
      batchCount: 0,
      bytes: 0,
      duplicate: true,
    };
  }

  /**
   * Producer state for the current log: the newest readable snapshot within
   * [logStartOffset, logEndOffset], then every batch after it (headers only).
   */
  private async rebuildProducerState(): Promise<void> {
    const end = this.logEndOffset;
    const snapshot = await this.producerSnapshots.loadLatest(this.logStart, end);
    this.producers.load(snapshot?.entries ?? []);
    const from = snapshot?.offset ?? this.logStart;
    const replayedBatches = from < end ? await replayProducerState(this.segments, from, end, this.producers) : 0;
    const expired = this.producers.removeExpired(this.options.clock.nowMs(), this.producerIdExpirationMs);
    if (snapshot !== undefined || replayedBatches > 0) {
      this.options.logger.info(
        { topic: this.topic, partition: this.partition, snapshotOffset: snapshot?.offset ?? null, replayedFrom: from, replayedBatches, producers: this.producers.producerCount, expired },
        "producer state loaded",
      );
    }
  }

  /**
   * Writes a snapshot of the producer state valid below `offset`. A failure
   * is only logged: the snapshot saves replay work at the next open, the log
   * itself is intact.
   */
  private async snapshotProducerState(offset: number): Promise<void> {
    try {
      await this.producerSnapshots.write(offset, this.producers.entries());
    } catch (err) {
      this.options.logger.warn({ topic: this.topic, partition: this.partition, offset, err }, "writing the producer-state snapshot failed; the next open replays more of the log");
    }
  }

  // ================================================================ leader epochs

  /** Records that `epoch` starts at `startOffset` (a new leader's first offset); persisted. */
  assignEpoch(epoch: number, startOffset: number): Promise<void> {
    return this.serial.run(async () => {
      this.assertWritable();
      if (this.epochs.assign(epoch, startOffset)) await this.guard(() => this.persistEpochs(), "leader-epoch checkpoint");
    });
  }

  /** OffsetForLeaderEpoch for this log. */
  endOffsetFor(epoch: number): EpochEndOffset {
    return this.epochs.endOffsetFor(epoch, this.logEndOffset);
  }

  epochEntries(): readonly { epoch: number; startOffset: number }[] {
    return this.epochs.entries();
  }

  private persistEpochs(): Promise<void> {
    return writeFileAtomically(this.options.fs, join(this.dir, LEADER_EPOCH_CHECKPOINT), serializeLeaderEpochCheckpoint(this.epochs.entries()));
  }

  // ================================================================ truncation and retention

  /**
   * Removes every batch at or after `offset` (a diverged follower). A batch
   * straddling `offset` is removed whole. Durable before it resolves.
   */
  truncateTo(offset: number): Promise<void> {
    return this.serial.run(async () => {
      this.assertWritable();
      if (offset >= this.logEndOffset) return;
      if (offset < this.logStart) return this.truncateFully(offset);
      await this.guard(async () => {
        // offset >= logStartOffset >= the first base offset, so at least one segment stays.
        const doomed = this.segments.filter((s) => s.baseOffset > offset);
        this.segments = this.segments.filter((s) => s.baseOffset <= offset);
        await this.removeSegments(doomed, true);
        const active = this.active;
        await active.truncateTo(offset);
        await active.becomeActive();
        await active.flush();
        this.afterTruncation();
        await this.persistEpochs();
        await this.producerSnapshots.removeAbove(this.logEndOffset);
        await this.rebuildProducerState();
      }, "truncate");
      // A removed batch straddled the log start: what is left is all below it, so restart empty there.
      if (this.logEndOffset < this.logStart) await this.truncateFully(this.logStart);
    });
  }

  /** Deletes the whole log and restarts it empty at `offset` (a follower far behind the leader). */
  truncateFullyAndStartAt(offset: number): Promise<void> {
    return this.serial.run(async () => {
      this.assertWritable();
      await this.truncateFully(offset);
    });
  }

  private async truncateFully(offset: number): Promise<void> {
    await this.guard(async () => {
      // The old files are renamed away first: the new segment may reuse a base offset.
      await this.removeSegments(this.segments, true);
      const segment = await LogSegment.create(this.segmentSettings, offset, this.options.clock.nowMs());
      await this.options.fs.syncDir(this.dir);
      this.segments = [segment];
      this.logStart = offset;
      this.epochs.clear();
      this.afterTruncation();
      this.highWatermarkValue = offset;
      await this.persistEpochs();
      this.producers.clear();
      await this.producerSnapshots.removeAll();
    }, "truncate");
  }

  private afterTruncation(): void {
    this.truncationCount += 1;
    const end = this.logEndOffset;
    this.flushed = Math.min(this.flushed, end);
    this.highWatermarkValue = clamp(this.highWatermarkValue, Math.min(this.logStart, end), end);
    this.epochs.truncateFromEnd(end);
    this.unflushedMessages = 0;
  }

  /**
   * DeleteRecords: moves the log start offset to `offset` (at most the high
   * watermark, checked by the caller; at most the log end, checked here) and
   * deletes the segments entirely below it. Resolves with the new start.
   */
  deleteRecordsBefore(offset: number): Promise<number> {
    return this.serial.run(async () => {
      this.assertWritable();
      if (offset > this.logEndOffset || offset < 0) {
        throw new OffsetOutOfRangeError(`cannot move the log start of ${this.topic}-${this.partition} to ${offset}: log end is ${this.logEndOffset}`);
      }
      if (offset > this.logStart) {
        this.logStart = offset;
        this.highWatermarkValue = Math.max(this.highWatermarkValue, offset);
        await this.guard(() => this.deleteSegmentsBelowLogStart(), "delete records");
      }
      return this.logStart;
    });
  }

  private async deleteSegmentsBelowLogStart(): Promise<void> {
    const doomed: LogSegment[] = [];
    while (this.segments.length > 1 && this.segments[1]!.baseOffset <= this.logStart) doomed.push(this.segments.shift()!);
    await this.removeSegments(doomed, false);
    if (this.epochs.truncateFromStart(this.logStart)) await this.persistEpochs();
  }

  /**
   * Applies retention.ms, retention.bytes and the log start offset: deletes
   * whole inactive segments from the front, never the active one. Returns the
   * number deleted. Appends continue meanwhile; only the brief removal step
   * runs in the log's queue.
   */
  async enforceRetention(nowMs: number): Promise<number> {
    if (this.closed || this.failure !== undefined) return 0;
    const config = this.configValue;
    const candidates: LogSegment[] = [];
    const inactive = this.segments.slice(0, -1);
    const deleteRetained = isDeleteRetained(config);
    let excessBytes = deleteRetained && config.retentionBytes >= 0 ? this.sizeBytes - config.retentionBytes : -1;
    for (let i = 0; i < inactive.length; i++) {
      const segment = inactive[i]!;
      // Compaction can leave an inactive segment empty; it holds nothing worth keeping.
      const expired = segment.isEmpty || (deleteRetained && config.retentionMs >= 0 && (await segment.largestTimestamp()) >= 0 && nowMs - segment.maxTimestamp > config.retentionMs);
      const oversize = excessBytes >= 0 && excessBytes >= segment.sizeBytes;
      const nextBase = this.segments[i + 1]?.baseOffset ?? Number.POSITIVE_INFINITY;
      const belowStart = nextBase <= this.logStart;
      if (!expired && !oversize && !belowStart) break;
      // As Kafka: retention never deletes what the high watermark has not passed (records not yet committed).
      if (!belowStart && nextBase > this.highWatermarkValue) break;
      candidates.push(segment);
      if (excessBytes >= 0) excessBytes -= segment.sizeBytes;
    }
    return this.serial.run(async () => {
      if (this.closed || this.failure !== undefined) return 0;
      // Only segments still at the front and still inactive go.
      let count = 0;
      while (count < candidates.length && this.segments[count] === candidates[count] && count < this.segments.length - 1) count += 1;
      const doomed = this.segments.splice(0, count);
      const newStart = Math.max(this.logStart, this.segments[0]!.baseOffset);
      if (newStart > this.logStart) this.logStart = newStart;
      this.highWatermarkValue = Math.max(this.highWatermarkValue, this.logStart);
      if (doomed.length > 0) {
        this.options.logger.info({ topic: this.topic, partition: this.partition, segments: doomed.map((s) => s.baseOffset), logStartOffset: this.logStart }, "retention deleted segments");
      }
      await this.guard(async () => {
        await this.removeSegments(doomed, false);
        await this.deleteSegmentsBelowLogStart();
      }, "retention");
      return doomed.length;
    });
  }

  /**
   * Unlinks segments from the log: renames their files to `.deleted`, fsyncs
   * the directory (waiting for it when `durable`, as truncation needs) and
   * deletes the files after
   * file.delete.delay.ms, once in-flight reads let go.
   */
  private async removeSegments(doomed: readonly LogSegment[], durable: boolean): Promise<void> {
    if (doomed.length === 0) return;
    for (const segment of doomed) await segment.renameFiles(DELETED_SUFFIX);
    // Renames are made durable in every case; only truncation must also wait for it.
    const renamesDurable = this.options.fs.syncDir(this.dir);
    if (durable) await renamesDurable;
    else void renamesDurable.catch((err: unknown) => this.options.logger.warn({ dir: this.dir, err }, "fsync of the log directory after deleting segments failed"));
    const delayMs = this.configValue.fileDeleteDelayMs;
    for (const segment of doomed) {
      const closing = segment.close();
      if (delayMs === 0) {
        await closing;
        await this.unlinkDeleted(segment);
      } else {
        this.pendingFileDeletes.push({ paths: deletedPaths(segment), dueMs: this.options.clock.nowMs() + delayMs });
      }
    }
  }

  private async unlinkDeleted(segment: LogSegment): Promise<void> {
    for (const path of deletedPaths(segment)) await unlinkIfExists(this.options.fs, path);
  }

  /** Deletes `.deleted` files whose delay has passed (driven by the manager's tick). */
  async deleteExpiredFiles(nowMs: number, all = false): Promise<void> {
    const due = this.pendingFileDeletes.filter((d) => all || d.dueMs <= nowMs);
    this.pendingFileDeletes = this.pendingFileDeletes.filter((d) => !due.includes(d));
    for (const d of due) for (const path of d.paths) await unlinkIfExists(this.options.fs, path).catch(() => undefined);
  }

  // ================================================================ lifecycle

  /**
   * Clean close: drains queued appends, fsyncs, writes the active segment's
   * indexes trimmed, and closes every file. The caller writes checkpoints and
   * the clean-shutdown marker.
   */
  close(): Promise<void> {
    return this.serial.run(async () => {
      if (this.closed) return;
      while (this.pending.length > 0) await this.drain();
      await this.syncIdle();
      this.closed = true;
      if (this.failure === undefined) {
        try {
          await this.flushActive(this.options.clock.nowMs());
          await this.snapshotProducerState(this.logEndOffset);
          await this.active.becomeInactive();
        } catch (err) {
          this.fail(err, "close");
        }
      }
      for (const segment of this.segments) await segment.close();
      await this.deleteExpiredFiles(0, true);
    });
  }

  /** Closes and removes the partition directory's contents (the manager removes the directory). */
  async closeForDeletion(): Promise<void> {
    await this.serial.run(async () => {
      this.closed = true;
      for (const a of this.pending.splice(0)) a.reject(new LogClosedError(`log ${this.topic}-${this.partition} was deleted`));
      for (const segment of this.segments) await segment.close();
      this.pendingFileDeletes = [];
    });
  }

  /** Whether close() completed without an I/O failure (the clean-shutdown marker may be written). */
  get closedCleanly(): boolean {
    return this.closed && this.failure === undefined;
  }

  /** Runs `op` in the log's mutation queue (compaction swaps use it). */
  runExclusive<T>(op: () => Promise<T>): Promise<T> {
    return this.serial.run(op);
  }

  /** Segments other than the active one, oldest first (compaction reads them). */
  inactiveSegments(): readonly LogSegment[] {
    return this.segments.slice(0, -1);
  }

  /** Replaces `old` (still in the log) with `replacement`; returns false if `old` is gone. Runs inside runExclusive. */
  async replaceSegment(old: LogSegment, replacement: LogSegment): Promise<boolean> {
    const at = this.segments.indexOf(old);
    if (at < 0 || at === this.segments.length - 1) return false;
    this.segments[at] = replacement;
    return true;
  }

  get segmentSettingsForCompaction(): SegmentSettings {
    return this.segmentSettings;
  }

  get fileSystem(): FileSystem {
    return this.options.fs;
  }

  get clock(): Clock {
    return this.options.clock;
  }

  get logger(): StorageLogger {
    return this.options.logger;
  }

  /** Stops the log as after an I/O error (compaction reports its own failures this way). */
  markFailed(err: unknown, during: string): void {
    this.fail(err, during);
  }
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(Math.max(value, lo), hi);
}

function deletedPaths(segment: LogSegment): string[] {
  return [segment.logPath, segment.offsetIndexPath, segment.timeIndexPath].map((p) => p + DELETED_SUFFIX);
}

async function unlinkIfExists(fs: FileSystem, path: string): Promise<void> {
  try {
    await fs.unlink(path);
  } catch (err) {
    if (!hasErrorCode(err, "ENOENT")) throw err;
  }
}

async function loadEpochCheckpoint(fs: FileSystem, path: string, logger: StorageLogger) {
  const text = await readTextIfExists(fs, path);
  if (text === undefined) return [];
  try {
    return parseLeaderEpochCheckpoint(text);
  } catch (err) {
    logger.warn({ path, err: (err as Error).message }, "leader-epoch checkpoint is unreadable; starting with an empty epoch cache");
    return [];
  }
}

/**
 * The first record of a stored batch matching `accept` (decompressing if
 * needed), or undefined when none does or the records cannot be decoded — the
 * caller then answers at batch granularity.
 */
function firstRecordWhere(batchBytes: Buffer, accept: (offset: number, timestamp: number) => boolean): TimestampAndOffset | undefined {
  try {
    const view = new RecordBatchView(batchBytes);
    if (view.isControl) return undefined;
    for (const record of iterateRecords(view)) {
      if (accept(record.offset, record.timestamp)) return { timestamp: record.timestamp, offset: record.offset, leaderEpoch: view.partitionLeaderEpoch };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * Length of the whole batches at the start of `bytes` that end below `bound`
 * and fit in `maxBytes` (the first batch always counts), the offset after the
 * last of them, and the size of the batch after them when its header is there.
 */
function wholeBatchesBelow(bytes: Buffer, bound: number, maxBytes: number): { bytes: number; nextOffset: number; nextBatchBytes?: number } {
  let at = 0;
  let nextOffset = -1;
  while (at + BATCH_HEADER_BYTES <= bytes.length) {
    const size = bytes.readInt32BE(at + BatchField.batchLength) + 12;
    if (size < BATCH_HEADER_BYTES) break;
    if (at + size > bytes.length || (at > 0 && at + size > maxBytes)) return { bytes: at, nextOffset, nextBatchBytes: size };
    const lastOffset = Number(bytes.readBigInt64BE(at)) + bytes.readInt32BE(at + BatchField.lastOffsetDelta);
    if (lastOffset >= bound) break;
    nextOffset = lastOffset + 1;
    at += size;
  }
  return { bytes: at, nextOffset };
}
