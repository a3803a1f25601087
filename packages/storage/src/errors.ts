/**
 * Typed storage errors. Each carries a stable `code` string and the Kafka
 * `errorCode` the broker puts on the wire, so handlers map them without
 * string matching.
 */
export abstract class StorageError extends Error {
  abstract readonly code: string;
  abstract readonly errorCode: number;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A batch failed a structural or CRC check (CORRUPT_MESSAGE). */
export class CorruptRecordError extends StorageError {
  readonly code = "CORRUPT_RECORD";
  readonly errorCode = 2;
}

/** A well-formed batch that the log refuses by rule (INVALID_RECORD). */
export class InvalidRecordError extends StorageError {
  readonly code = "INVALID_RECORD";
  readonly errorCode = 87;
}

/** One batch is larger than max.message.bytes (MESSAGE_TOO_LARGE). */
export class RecordTooLargeError extends StorageError {
  readonly code = "RECORD_TOO_LARGE";
  readonly errorCode = 10;
}

/** The appended batches cannot fit in one segment (RECORD_LIST_TOO_LARGE). */
export class RecordListTooLargeError extends StorageError {
  readonly code = "RECORD_LIST_TOO_LARGE";
  readonly errorCode = 18;
}

/** A fetch or lookup outside [logStartOffset, logEndOffset] (OFFSET_OUT_OF_RANGE). */
export class OffsetOutOfRangeError extends StorageError {
  readonly code = "OFFSET_OUT_OF_RANGE";
  readonly errorCode = 1;
}

/**
 * The log hit an I/O failure (write, fsync, rename) and stopped: no later
 * append is acknowledged until the log is reopened (KAFKA_STORAGE_ERROR).
 */
export class KafkaStorageError extends StorageError {
  readonly code = "KAFKA_STORAGE_ERROR";
  readonly errorCode = 56;
}

/** A follower append whose offsets do not continue the log (UNKNOWN_SERVER_ERROR on the wire). */
export class OffsetSequenceError extends StorageError {
  readonly code = "OFFSET_SEQUENCE";
  readonly errorCode = -1;
}

/** meta.properties in a log dir belongs to another node or cluster; refusing to start. */
export class InconsistentLogDirError extends StorageError {
  readonly code = "INCONSISTENT_LOG_DIR";
  readonly errorCode = 56;
}

/** The log was closed or deleted; the operation cannot run. */
export class LogClosedError extends StorageError {
  readonly code = "LOG_CLOSED";
  readonly errorCode = 56;
}
