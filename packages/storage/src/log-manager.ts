import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { systemClock, type Clock } from "./clock.js";
import { DEFAULT_LOG_CONFIG, isCompacted, validateLogConfig, type LogConfig } from "./config/log-config.js";
import { InconsistentLogDirError, KafkaStorageError, LogClosedError } from "./errors.js";
import { readTextIfExists, writeFileAtomically } from "./fs/file-io.js";
import { hasErrorCode, type FileSystem } from "./fs/file-system.js";
import { nodeFileSystem } from "./fs/node-file-system.js";
import {
  CLEAN_SHUTDOWN_MARKER,
  DELETE_DIR_SUFFIX,
  LOG_START_OFFSET_CHECKPOINT,
  META_PROPERTIES,
  RECOVERY_POINT_CHECKPOINT,
  REPLICATION_OFFSET_CHECKPOINT,
  parsePartitionDirName,
  partitionDirName,
} from "./format/file-names.js";
import { newDirectoryId, parseMetaProperties, serializeMetaProperties, type MetaProperties } from "./format/meta-properties.js";
import { parseOffsetCheckpoint, serializeOffsetCheckpoint, type OffsetCheckpoint } from "./format/offset-checkpoint.js";
import { IndexCache } from "./index-cache.js";
import { silentLogger, type StorageLogger } from "./logger.js";
import { PartitionLog } from "./partition-log.js";
import { ReadBufferPool } from "./read-buffer-pool.js";
import { LogCleaner, type CleaningResult } from "./compaction/log-cleaner.js";

export interface LogManagerOptions {
  /** log.dirs: each gets meta.properties and its own checkpoints; new partitions go to the least loaded. */
  logDirs: readonly string[];
  nodeId: number;
  /** When set, must match meta.properties (and is written there on first start). */
  clusterId?: string;
  fs?: FileSystem;
  clock?: Clock;
  logger?: StorageLogger;
  /** Config for logs with no topic-specific one. */
  defaults?: LogConfig;
  /** Topic-specific configs for logs found on disk at open (from the metadata image). */
  configForTopic?: (topic: string) => LogConfig | undefined;
  /** Bound on index memory of inactive segments across all logs. */
  indexCacheMaxBytes?: number;
  /** Free read buffers kept for reuse across all logs (0 turns pooling off); each holds READ_BUFFER_BYTES. */
  maxFreeReadBuffers?: number;
  /** log.flush.offset.checkpoint.interval.ms: how often tick() writes the offset checkpoints. */
  checkpointIntervalMs?: number;
  /** log.retention.check.interval.ms: how often tick() applies retention. */
  retentionCheckIntervalMs?: number;
  /** log.cleaner.backoff.ms: how often tick() looks for compactable logs. */
  compactionCheckIntervalMs?: number;
  /** log.cleaner.enable: false leaves compacted logs uncompacted (default true). */
  compactionEnabled?: boolean;
  /** Period of the real timer started by startBackgroundTasks(). */
  tickIntervalMs?: number;
  /** Bound on keys held by one compaction pass. */
  compactionMaxKeys?: number;
  /** producer.id.expiration.ms: idempotent producers idle this long are forgotten by every partition. */
  producerIdExpirationMs?: number;
  /** producer.id.expiration.check.interval.ms: how often tick() expires idle producers. */
  producerIdExpirationCheckIntervalMs?: number;
}

interface LogDirState {
  path: string;
  meta: MetaProperties;
}

const DEFAULT_INDEX_CACHE_MAX_BYTES = 16 * 1024 * 1024;
/**
 * Capacity of a pooled read buffer: a fetch of max.partition.fetch.bytes /
 * replica.fetch.max.bytes (1 MiB by default) plus the next batch's header, or
 * one batch a little over 1 MiB (KIP-74), fits in one.
 */
export const READ_BUFFER_BYTES = 1280 * 1024;
/** 16 free buffers: 20 MiB at most held for reuse. */
const DEFAULT_MAX_FREE_READ_BUFFERS = 16;
const DEFAULT_CHECKPOINT_INTERVAL_MS = 60_000;
const DEFAULT_RETENTION_CHECK_INTERVAL_MS = 300_000;
const DEFAULT_COMPACTION_CHECK_INTERVAL_MS = 15_000;
const DEFAULT_TICK_INTERVAL_MS = 1_000;
const DEFAULT_PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS = 600_000;

/**
 * Owns every partition log in the node's log dirs: loads and recovers them at
 * open, creates and deletes them, writes the per-dir checkpoints, and drives
 * background work (flush.ms, retention, compaction, delayed file deletion)
 * from `tick(nowMs)` — called by tests directly or by the timer that
 * `startBackgroundTasks()` owns.
 */
export class LogManager {
  private readonly logsByName = new Map<string, { log: PartitionLog; dir: LogDirState }>();
  private readonly fs: FileSystem;
  private readonly clock: Clock;
  private readonly logger: StorageLogger;
  private readonly defaults: LogConfig;
  private readonly indexCache: IndexCache;
  private readonly readBuffers: ReadBufferPool;
  private readonly cleaner: LogCleaner;
  private lastCheckpointMs: number;
  private lastRetentionMs: number;
  private lastCompactionMs: number;
  private lastProducerExpirationMs: number;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly options: LogManagerOptions,
    private readonly dirs: LogDirState[],
  ) {
    this.fs = options.fs ?? nodeFileSystem;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.defaults = options.defaults ?? DEFAULT_LOG_CONFIG;
    this.indexCache = new IndexCache(options.indexCacheMaxBytes ?? DEFAULT_INDEX_CACHE_MAX_BYTES);
    this.readBuffers = new ReadBufferPool(READ_BUFFER_BYTES, options.maxFreeReadBuffers ?? DEFAULT_MAX_FREE_READ_BUFFERS);
    this.cleaner = new LogCleaner(options.compactionMaxKeys !== undefined ? { maxKeys: options.compactionMaxKeys } : {});
    const now = this.clock.nowMs();
    this.lastCheckpointMs = now;
    this.lastRetentionMs = now;
    this.lastCompactionMs = now;
    this.lastProducerExpirationMs = now;
  }

  static async open(options: LogManagerOptions): Promise<LogManager> {
    if (options.logDirs.length === 0) throw new Error("at least one log dir is required");
    const fs = options.fs ?? nodeFileSystem;
    const logger = options.logger ?? silentLogger;
    validateLogConfig(options.defaults ?? DEFAULT_LOG_CONFIG);
    const dirs: LogDirState[] = [];
    for (const path of options.logDirs) {
      const existed = await fs.isDirectory(path);
      await fs.mkdir(path);
      if (!existed) await fs.syncDir(dirname(path));
      dirs.push({ path, meta: await ensureMetaProperties(fs, path, options.nodeId, options.clusterId, logger) });
    }
    const manager = new LogManager(options, dirs);
    for (const dir of dirs) await manager.loadDir(dir);
    return manager;
  }

  private async loadDir(dir: LogDirState): Promise<void> {
    const markerPath = join(dir.path, CLEAN_SHUTDOWN_MARKER);
    const cleanShutdown = await this.fs.exists(markerPath);
    const recoveryPoints = await this.readCheckpoint(join(dir.path, RECOVERY_POINT_CHECKPOINT));
    const logStartOffsets = await this.readCheckpoint(join(dir.path, LOG_START_OFFSET_CHECKPOINT));
    const highWatermarks = await this.readCheckpoint(join(dir.path, REPLICATION_OFFSET_CHECKPOINT));
    // A checkpoint we could not read means no recovery point can be trusted.
    const trustClean = cleanShutdown && recoveryPoints !== undefined;
    for (const name of await this.fs.readdir(dir.path)) {
      const path = join(dir.path, name);
      if (name.endsWith(DELETE_DIR_SUFFIX)) {
        await this.fs.removeDir(path);
        continue;
      }
      const tp = parsePartitionDirName(name);
      if (tp === undefined || !(await this.fs.isDirectory(path))) continue;
      // Another node's log dir nested here (e.g. ./data/node-1 beside a single node on
      // ./data) looks like partition 1 of topic "node"; taking it would let the broker
      // delete it as a stray log.
      if (await this.fs.exists(join(path, META_PROPERTIES))) {
        this.logger.warn({ path }, "directory holds meta.properties: a nested log dir, not a partition; ignoring it");
        continue;
      }
      const key = partitionDirName(tp.topic, tp.partition);
      if (this.logsByName.has(key)) {
        this.logger.error({ path }, "partition found in two log dirs; ignoring this copy");
        continue;
      }
      const log = await PartitionLog.open(this.logOptions(path, tp.topic, tp.partition, this.options.configForTopic?.(tp.topic) ?? this.defaults), {
        cleanShutdown: trustClean,
        recoveryPoint: recoveryPoints?.get(key),
        logStartOffset: logStartOffsets?.get(key),
        highWatermark: highWatermarks?.get(key),
      });
      this.logsByName.set(key, { log, dir });
    }
    // From here on a crash is unclean: the marker goes before any write is accepted.
    if (cleanShutdown) {
      await this.fs.unlink(markerPath);
      await this.fs.syncDir(dir.path);
    }
  }

  private async readCheckpoint(path: string): Promise<OffsetCheckpoint | undefined> {
    const text = await readTextIfExists(this.fs, path);
    if (text === undefined) return new Map();
    try {
      return parseOffsetCheckpoint(text);
    } catch (err) {
      this.logger.warn({ path, err: (err as Error).message }, "checkpoint file is unreadable; ignoring it and recovering every log fully");
      return undefined;
    }
  }

  private logOptions(dir: string, topic: string, partition: number, config: LogConfig) {
    const expiration = this.options.producerIdExpirationMs;
    return { fs: this.fs, dir, topic, partition, config, clock: this.clock, logger: this.logger, indexCache: this.indexCache, readBufferPool: this.readBuffers, ...(expiration !== undefined ? { producerIdExpirationMs: expiration } : {}) };
  }

  // ---------------------------------------------------------------- partitions

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logsByName.get(partitionDirName(topic, partition))?.log;
  }

  logs(): PartitionLog[] {
    return [...this.logsByName.values()].map((e) => e.log);
  }

  /** The log dir paths with their directory ids (for DescribeLogDirs and registration). */
  logDirs(): { path: string; directoryId: string }[] {
    return this.dirs.map((d) => ({ path: d.path, directoryId: d.meta.directoryId }));
  }

  /** Memory held by index caches (for metrics and the memory-bound tests). */
  memoryStats(): { indexCacheLoadedBytes: number; indexCacheMaxBytes: number } {
    return { indexCacheLoadedBytes: this.indexCache.loadedBytes, indexCacheMaxBytes: this.indexCache.maxBytes };
  }

  /** Returns the existing log, or creates it empty in the log dir holding the fewest partitions. */
  async createLog(topic: string, partition: number, config: LogConfig = this.defaults): Promise<PartitionLog> {
    if (this.closed) throw new LogClosedError("log manager is closed");
    if (topic.length === 0 || topic.includes("/") || topic === "." || topic === "..") throw new Error(`invalid topic name ${JSON.stringify(topic)}`);
    const key = partitionDirName(topic, partition);
    const existing = this.logsByName.get(key);
    if (existing !== undefined) return existing.log;
    const dir = this.leastLoadedDir();
    const path = join(dir.path, key);
    // The same rule as at load: a nested log dir is never taken (and later deleted) as a partition.
    if (await this.fs.exists(join(path, META_PROPERTIES))) {
      throw new KafkaStorageError(`${path} holds meta.properties (a nested log dir); refusing to use it for partition ${partition} of ${topic}`);
    }
    await this.fs.mkdir(path);
    await this.fs.syncDir(dir.path);
    const log = await PartitionLog.open(this.logOptions(path, topic, partition, config), { cleanShutdown: false, recoveryPoint: 0 });
    const raced = this.logsByName.get(key);
    if (raced !== undefined) {
      await log.close();
      return raced.log;
    }
    this.logsByName.set(key, { log, dir });
    return log;
  }

  private leastLoadedDir(): LogDirState {
    const counts = new Map(this.dirs.map((d) => [d, 0]));
    for (const { dir } of this.logsByName.values()) counts.set(dir, (counts.get(dir) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => a[1] - b[1])[0]![0];
  }

  /** Closes the log and removes its directory (renamed to `*-delete` first, so a crash finishes the job). */
  async deleteLog(topic: string, partition: number): Promise<boolean> {
    const key = partitionDirName(topic, partition);
    const entry = this.logsByName.get(key);
    if (entry === undefined) return false;
    this.logsByName.delete(key);
    await entry.log.closeForDeletion();
    const doomed = join(entry.dir.path, `${key}.${randomBytes(16).toString("hex")}${DELETE_DIR_SUFFIX}`);
    await this.fs.rename(entry.log.dir, doomed);
    await this.fs.syncDir(entry.dir.path);
    await this.fs.removeDir(doomed);
    return true;
  }

  // ---------------------------------------------------------------- checkpoints

  /** Writes recovery points, log start offsets and high watermarks of every log dir. */
  async checkpointAll(): Promise<void> {
    for (const dir of this.dirs) {
      const logs = [...this.logsByName.values()].filter((e) => e.dir === dir).map((e) => e.log);
      const table = (value: (log: PartitionLog) => number) =>
        new Map(logs.map((log) => [partitionDirName(log.topic, log.partition), { topic: log.topic, partition: log.partition, offset: value(log) }]));
      await writeFileAtomically(this.fs, join(dir.path, RECOVERY_POINT_CHECKPOINT), serializeOffsetCheckpoint(table((l) => l.flushedOffset)));
      await writeFileAtomically(this.fs, join(dir.path, LOG_START_OFFSET_CHECKPOINT), serializeOffsetCheckpoint(table((l) => l.logStartOffset)));
      await writeFileAtomically(this.fs, join(dir.path, REPLICATION_OFFSET_CHECKPOINT), serializeOffsetCheckpoint(table((l) => l.highWatermark)));
    }
  }

  // ---------------------------------------------------------------- background work

  /**
   * One round of background work at `nowMs`: flush.ms flushes, delayed file
   * deletions, and — when their intervals have passed — retention,
   * compaction and checkpoints. Rounds never overlap; a call during a round
   * waits for it.
   */
  tick(nowMs: number = this.clock.nowMs()): Promise<void> {
    if (this.ticking !== undefined) return this.ticking;
    this.ticking = this.runTick(nowMs).finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async runTick(nowMs: number): Promise<void> {
    if (this.closed) return;
    const logs = this.logs();
    for (const log of logs) {
      await this.background(log, "flush", () => log.maybeFlush(nowMs));
      await this.background(log, "file deletion", () => log.deleteExpiredFiles(nowMs));
    }
    if (nowMs - this.lastRetentionMs >= (this.options.retentionCheckIntervalMs ?? DEFAULT_RETENTION_CHECK_INTERVAL_MS)) {
      this.lastRetentionMs = nowMs;
      for (const log of logs) await this.background(log, "retention", () => log.enforceRetention(nowMs));
    }
    if (this.options.compactionEnabled !== false && nowMs - this.lastCompactionMs >= (this.options.compactionCheckIntervalMs ?? DEFAULT_COMPACTION_CHECK_INTERVAL_MS)) {
      this.lastCompactionMs = nowMs;
      for (const log of logs) if (isCompacted(log.config)) await this.background(log, "compaction", () => this.cleaner.clean(log, nowMs));
    }
    if (nowMs - this.lastProducerExpirationMs >= (this.options.producerIdExpirationCheckIntervalMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS)) {
      this.lastProducerExpirationMs = nowMs;
      for (const log of logs) await this.background(log, "producer expiration", () => log.removeExpiredProducers(nowMs));
    }
    if (nowMs - this.lastCheckpointMs >= (this.options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS)) {
      this.lastCheckpointMs = nowMs;
      try {
        await this.checkpointAll();
      } catch (err) {
        this.logger.error({ err }, "writing offset checkpoints failed");
      }
    }
  }

  private async background(log: PartitionLog, what: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.logger.error({ topic: log.topic, partition: log.partition, err }, `background ${what} failed`);
    }
  }

  /** Compacts one log now (tests, admin tools); resolves with what the pass did. */
  compactNow(log: PartitionLog, nowMs: number = this.clock.nowMs()): Promise<CleaningResult> {
    return this.cleaner.clean(log, nowMs);
  }

  /** Starts the real timer that calls tick(); unref'd so it never keeps the process alive. */
  startBackgroundTasks(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setInterval(() => void this.tick(this.clock.nowMs()), this.options.tickIntervalMs ?? DEFAULT_TICK_INTERVAL_MS);
    this.timer.unref();
  }

  stopBackgroundTasks(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Clean shutdown: stops background work, closes every log (drain, fsync,
   * trim indexes), writes the checkpoints, then the clean-shutdown marker —
   * only in dirs whose logs all closed without an I/O error.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.stopBackgroundTasks();
    await this.ticking;
    this.closed = true;
    for (const { log } of this.logsByName.values()) await log.close();
    await this.checkpointAll();
    for (const dir of this.dirs) {
      const logs = [...this.logsByName.values()].filter((e) => e.dir === dir);
      if (logs.every((e) => e.log.closedCleanly)) {
        await writeFileAtomically(this.fs, join(dir.path, CLEAN_SHUTDOWN_MARKER), Buffer.alloc(0));
      }
    }
  }
}

async function ensureMetaProperties(fs: FileSystem, dir: string, nodeId: number, clusterId: string | undefined, logger: StorageLogger): Promise<MetaProperties> {
  const path = join(dir, META_PROPERTIES);
  let text: string | undefined;
  try {
    text = (await fs.readFile(path)).toString("utf8");
  } catch (err) {
    if (!hasErrorCode(err, "ENOENT")) throw err;
  }
  if (text !== undefined) {
    let meta: MetaProperties | undefined;
    try {
      meta = parseMetaProperties(text);
    } catch (err) {
      logger.warn({ path, err: (err as Error).message }, "meta.properties is unreadable; rewriting it with a new directory id");
    }
    if (meta !== undefined) {
      if (meta.nodeId !== nodeId) {
        throw new InconsistentLogDirError(`${path} belongs to node ${meta.nodeId}, this node is ${nodeId}`);
      }
      if (clusterId !== undefined && meta.clusterId !== undefined && meta.clusterId !== clusterId) {
        throw new InconsistentLogDirError(`${path} belongs to cluster ${meta.clusterId}, this node is in cluster ${clusterId}`);
      }
      if (clusterId === undefined || meta.clusterId !== undefined) return meta;
      meta = { ...meta, clusterId };
      await writeFileAtomically(fs, path, serializeMetaProperties(meta));
      return meta;
    }
  }
  const meta: MetaProperties = { version: 1, nodeId, directoryId: newDirectoryId(), ...(clusterId !== undefined ? { clusterId } : {}) };
  await writeFileAtomically(fs, path, serializeMetaProperties(meta));
  return meta;
}
