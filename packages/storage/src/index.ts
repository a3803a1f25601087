export * from "./errors.js";
export * from "./logger.js";
export * from "./clock.js";
export * from "./fs/file-system.js";
export { NodeFileSystem, nodeFileSystem } from "./fs/node-file-system.js";
export { writeFully, readFully, writeFileAtomically } from "./fs/file-io.js";
export * from "./config/log-config.js";
export * from "./format/file-names.js";
export { OffsetIndex, OFFSET_INDEX_ENTRY_BYTES, type OffsetPosition } from "./format/offset-index.js";
export { TimeIndex, TIME_INDEX_ENTRY_BYTES, type TimestampOffset } from "./format/time-index.js";
export { parseOffsetCheckpoint, serializeOffsetCheckpoint, type OffsetCheckpoint } from "./format/offset-checkpoint.js";
export { parseLeaderEpochCheckpoint, serializeLeaderEpochCheckpoint, type EpochEntry } from "./format/leader-epoch-checkpoint.js";
export { CheckpointFormatError } from "./format/checkpoint-file.js";
export { parseMetaProperties, serializeMetaProperties, newDirectoryId, type MetaProperties } from "./format/meta-properties.js";
export { checkBatch, validateBatchesForAppend, type BatchHeader, type BatchCheck } from "./batch-validation.js";
export { LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET, type EpochEndOffset } from "./leader-epoch-cache.js";
export { IndexCache } from "./index-cache.js";
export { ReadBufferPool } from "./read-buffer-pool.js";
export {
  PartitionLog,
  ListOffsetsTimestamp,
  type AppendInfo,
  type AppendListener,
  type LogLoadState,
  type PartitionLogOptions,
  type ReadResult,
  type TimestampAndOffset,
} from "./partition-log.js";
export { LogManager, type LogManagerOptions } from "./log-manager.js";
export { LogCleaner, type CleaningResult, type LogCleanerOptions } from "./compaction/log-cleaner.js";
export { LogSegment } from "./segment.js";
export {
  ProducerStateEntry,
  BATCHES_RETAINED_PER_PRODUCER,
  DEFAULT_PRODUCER_ID_EXPIRATION_MS,
  OutOfOrderSequenceError,
  InvalidProducerEpochError,
  PRODUCER_SNAPSHOT_SUFFIX,
  PRODUCER_SNAPSHOTS_RETAINED,
  producerSnapshotFileName,
  encodeProducerSnapshot,
  decodeProducerSnapshot,
  CorruptProducerSnapshotError,
  type ProducerBatchMetadata,
} from "./producer-state/index.js";
