/**
 * Per-partition log settings, named after Kafka's topic configs (camelCased).
 * `logConfigFromTopicConfigs` converts from the dotted names the broker and
 * CreateTopics/DescribeConfigs use.
 */
export type CleanupPolicy = "delete" | "compact" | "compact,delete";
export type TimestampType = "CreateTime" | "LogAppendTime";

export interface LogConfig {
  /** segment.bytes: roll when the active segment would exceed this. */
  segmentBytes: number;
  /** segment.ms: roll when the active segment is older than this. */
  segmentMs: number;
  /** segment.jitter.ms: each segment rolls up to this much (at random) before segment.ms, so partitions do not all roll at once. */
  segmentJitterMs: number;
  /** retention.ms: delete segments whose newest record is older; -1 keeps forever. */
  retentionMs: number;
  /** retention.bytes: delete oldest segments while the log is larger; -1 = unbounded. */
  retentionBytes: number;
  cleanupPolicy: CleanupPolicy;
  /** delete.retention.ms: how long tombstones survive compaction. */
  deleteRetentionMs: number;
  /** min.compaction.lag.ms: records younger than this are not compacted. */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms: a segment whose records are older than this is compacted even below the dirty ratio. */
  maxCompactionLagMs: number;
  /** min.cleanable.dirty.ratio: compact once this share of the compactable bytes is not yet compacted (0-1). */
  minCleanableDirtyRatio: number;
  /** max.message.bytes: largest batch (including its 12-byte log overhead... as Kafka counts it, the batch size). */
  maxMessageBytes: number;
  /** index.interval.bytes: log bytes between offset-index entries. */
  indexIntervalBytes: number;
  /** segment.index.bytes: preallocated size of each index file; a full index rolls the segment. */
  segmentIndexBytes: number;
  /**
   * flush.messages: fsync once this many messages are unflushed. 1 (the
   * default here, unlike Kafka) acknowledges appends only after fsync, with
   * group commit.
   */
  flushMessages: number;
  /** flush.ms: fsync at least this often when unflushed data exists. */
  flushMs: number;
  messageTimestampType: TimestampType;
  /** file.delete.delay.ms: delay between unlinking a segment from the log and deleting its files. */
  fileDeleteDelayMs: number;
}

const GIB = 1024 * 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Kafka's Long.MAX_VALUE, as the largest safe integer (the log treats both as "never"). */
export const NEVER = Number.MAX_SAFE_INTEGER;

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: GIB,
  segmentMs: 7 * DAY_MS,
  segmentJitterMs: 0,
  retentionMs: 7 * DAY_MS,
  retentionBytes: -1,
  cleanupPolicy: "delete",
  deleteRetentionMs: DAY_MS,
  minCompactionLagMs: 0,
  maxCompactionLagMs: NEVER,
  minCleanableDirtyRatio: 0.5,
  maxMessageBytes: 1048588,
  indexIntervalBytes: 4096,
  segmentIndexBytes: 10 * 1024 * 1024,
  flushMessages: 1,
  flushMs: NEVER,
  messageTimestampType: "CreateTime",
  fileDeleteDelayMs: 60_000,
});

/** Smallest segment that can hold one minimal batch (Kafka's floor is 14 bytes). */
const MIN_SEGMENT_BYTES = 14;
/** Room for at least one offset-index entry (8 bytes) and one time-index entry (12 bytes). */
const MIN_SEGMENT_INDEX_BYTES = 12;

export class InvalidLogConfigError extends Error {
  readonly code = "INVALID_CONFIG";
  /** INVALID_CONFIG on the wire. */
  readonly errorCode = 40;
  constructor(
    readonly configName: string,
    message: string,
  ) {
    super(`${configName}: ${message}`);
    this.name = "InvalidLogConfigError";
  }
}

function requireInt(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidLogConfigError(name, `must be an integer in [${min}, ${max}], got ${value}`);
  }
}

/** Throws InvalidLogConfigError for the first out-of-range field. */
export function validateLogConfig(config: LogConfig): void {
  requireInt("segment.bytes", config.segmentBytes, MIN_SEGMENT_BYTES, 2 ** 31 - 1);
  requireInt("segment.ms", config.segmentMs, 1);
  requireInt("segment.jitter.ms", config.segmentJitterMs, 0);
  requireInt("retention.ms", config.retentionMs, -1);
  requireInt("retention.bytes", config.retentionBytes, -1);
  if (!["delete", "compact", "compact,delete"].includes(config.cleanupPolicy)) {
    throw new InvalidLogConfigError("cleanup.policy", `must be delete, compact or compact,delete, got ${config.cleanupPolicy}`);
  }
  requireInt("delete.retention.ms", config.deleteRetentionMs, 0);
  requireInt("min.compaction.lag.ms", config.minCompactionLagMs, 0);
  requireInt("max.message.bytes", config.maxMessageBytes, 0, 2 ** 31 - 1);
  requireInt("index.interval.bytes", config.indexIntervalBytes, 0, 2 ** 31 - 1);
  requireInt("segment.index.bytes", config.segmentIndexBytes, MIN_SEGMENT_INDEX_BYTES, 2 ** 31 - 1);
  requireInt("flush.messages", config.flushMessages, 1);
  requireInt("flush.ms", config.flushMs, 0);
  if (config.messageTimestampType !== "CreateTime" && config.messageTimestampType !== "LogAppendTime") {
    throw new InvalidLogConfigError("message.timestamp.type", `must be CreateTime or LogAppendTime, got ${config.messageTimestampType}`);
  }
  requireInt("file.delete.delay.ms", config.fileDeleteDelayMs, 0);
  requireInt("max.compaction.lag.ms", config.maxCompactionLagMs, 1);
  if (!(config.minCleanableDirtyRatio >= 0 && config.minCleanableDirtyRatio <= 1)) {
    throw new InvalidLogConfigError("min.cleanable.dirty.ratio", `must be between 0 and 1, got ${config.minCleanableDirtyRatio}`);
  }
}

/** Kafka config name → LogConfig field. */
export const LOG_CONFIG_NAMES: Readonly<Record<string, keyof LogConfig>> = Object.freeze({
  "segment.bytes": "segmentBytes",
  "segment.ms": "segmentMs",
  "segment.jitter.ms": "segmentJitterMs",
  "retention.ms": "retentionMs",
  "retention.bytes": "retentionBytes",
  "cleanup.policy": "cleanupPolicy",
  "delete.retention.ms": "deleteRetentionMs",
  "min.compaction.lag.ms": "minCompactionLagMs",
  "max.compaction.lag.ms": "maxCompactionLagMs",
  "min.cleanable.dirty.ratio": "minCleanableDirtyRatio",
  "max.message.bytes": "maxMessageBytes",
  "index.interval.bytes": "indexIntervalBytes",
  "segment.index.bytes": "segmentIndexBytes",
  "flush.messages": "flushMessages",
  "flush.ms": "flushMs",
  "message.timestamp.type": "messageTimestampType",
  "file.delete.delay.ms": "fileDeleteDelayMs",
});

/** Kafka prints Long.MAX_VALUE for "never"; the log stores it as NEVER. */
function toNumber(name: string, raw: string | number | bigint): number {
  if (typeof raw === "number") return raw > NEVER ? NEVER : raw;
  const text = String(raw).trim();
  if (!/^-?\d+$/.test(text)) throw new InvalidLogConfigError(name, `not an integer: ${text}`);
  const big = BigInt(text);
  return big > BigInt(NEVER) ? NEVER : Number(big);
}

function toRatio(name: string, raw: string | number): number {
  const value = typeof raw === "number" ? raw : Number(String(raw).trim());
  if (!Number.isFinite(value)) throw new InvalidLogConfigError(name, `not a number: ${String(raw)}`);
  return value;
}

function toCleanupPolicy(raw: unknown): CleanupPolicy {
  const parts = (Array.isArray(raw) ? raw.map(String) : String(raw).split(","))
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p.length > 0);
  const compact = parts.includes("compact");
  const del = parts.includes("delete");
  const unknown = parts.filter((p) => p !== "compact" && p !== "delete");
  if (unknown.length > 0 || (!compact && !del)) {
    throw new InvalidLogConfigError("cleanup.policy", `must be delete, compact or both, got ${String(raw)}`);
  }
  return compact && del ? "compact,delete" : compact ? "compact" : "delete";
}

/**
 * Builds a validated LogConfig from Kafka-named topic configs over `base`.
 * Names the log does not use (compression.type, min.insync.replicas, ...) are ignored.
 */
export function logConfigFromTopicConfigs(
  configs: Readonly<Record<string, string | number | bigint | readonly string[] | undefined>>,
  base: LogConfig = DEFAULT_LOG_CONFIG,
): LogConfig {
  const out: LogConfig = { ...base };
  for (const [name, raw] of Object.entries(configs)) {
    const field = LOG_CONFIG_NAMES[name];
    if (field === undefined || raw === undefined) continue;
    if (field === "cleanupPolicy") out.cleanupPolicy = toCleanupPolicy(raw);
    else if (field === "messageTimestampType") out.messageTimestampType = String(raw) as TimestampType;
    else if (field === "minCleanableDirtyRatio") out.minCleanableDirtyRatio = toRatio(name, raw as string | number);
    else out[field] = toNumber(name, raw as string | number | bigint);
  }
  validateLogConfig(out);
  return out;
}

export function isCompacted(config: LogConfig): boolean {
  return config.cleanupPolicy !== "delete";
}

export function isDeleteRetained(config: LogConfig): boolean {
  return config.cleanupPolicy !== "compact";
}
