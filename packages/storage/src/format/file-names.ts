/** Kafka's on-disk naming: `<20-digit base offset>.<suffix>` inside `<topic>-<partition>/`. */
export const LOG_SUFFIX = ".log";
export const OFFSET_INDEX_SUFFIX = ".index";
export const TIME_INDEX_SUFFIX = ".timeindex";
/** A segment file unlinked from the log, waiting for file.delete.delay.ms. */
export const DELETED_SUFFIX = ".deleted";
/** Compaction output still being written; discarded on recovery. */
export const CLEANED_SUFFIX = ".cleaned";
/** Compaction output ready to replace its sources; completed on recovery. */
export const SWAP_SUFFIX = ".swap";
/** Directory suffix of a partition being deleted. */
export const DELETE_DIR_SUFFIX = "-delete";

export const LEADER_EPOCH_CHECKPOINT = "leader-epoch-checkpoint";
export const RECOVERY_POINT_CHECKPOINT = "recovery-point-offset-checkpoint";
export const LOG_START_OFFSET_CHECKPOINT = "log-start-offset-checkpoint";
export const REPLICATION_OFFSET_CHECKPOINT = "replication-offset-checkpoint";
export const CLEANER_OFFSET_CHECKPOINT = "cleaner-offset-checkpoint";
export const META_PROPERTIES = "meta.properties";
/** Present in a log dir only between a clean close and the next open. */
export const CLEAN_SHUTDOWN_MARKER = ".kafka_cleanshutdown";

const OFFSET_DIGITS = 20;

export function offsetFileStem(baseOffset: number): string {
  return String(baseOffset).padStart(OFFSET_DIGITS, "0");
}

export function segmentFileName(baseOffset: number, suffix: string): string {
  return offsetFileStem(baseOffset) + suffix;
}

/** Base offset of `<20 digits><suffix>`, or undefined for any other name. */
export function parseSegmentFileName(name: string, suffix: string): number | undefined {
  if (!name.endsWith(suffix)) return undefined;
  const stem = name.slice(0, name.length - suffix.length);
  if (stem.length !== OFFSET_DIGITS || !/^\d+$/.test(stem)) return undefined;
  const value = Number(stem);
  return Number.isSafeInteger(value) ? value : undefined;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** `<topic>-<partition>` → parts, or undefined for directories that are not partition logs. */
export function parsePartitionDirName(name: string): TopicPartition | undefined {
  const dash = name.lastIndexOf("-");
  if (dash <= 0) return undefined;
  const digits = name.slice(dash + 1);
  if (!/^\d+$/.test(digits)) return undefined;
  const partition = Number(digits);
  if (!Number.isSafeInteger(partition) || partition > 2 ** 31 - 1) return undefined;
  return { topic: name.slice(0, dash), partition };
}
