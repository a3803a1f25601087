/**
 * Errors that carry a Kafka error code. Each failure has its own class with a
 * stable `code` string (for logs and tests) and the protocol `errorCode` that a
 * broker puts in a response when this failure reaches a client.
 */
export abstract class KafkaError extends Error {
  abstract readonly code: string;
  abstract readonly errorCode: number;
  /** Whether Kafka clients treat the failure as transient (a RetriableException in Java). */
  retriable = false;
}

/** Bytes on the wire do not form a valid request, response or header. */
export class ProtocolDecodeError extends KafkaError {
  readonly code = "PROTOCOL_DECODE_ERROR";
  readonly errorCode = 42; // INVALID_REQUEST
  override name = "ProtocolDecodeError";
}

/** A request uses an API key or version this codebase does not speak. */
export class UnsupportedVersionError extends KafkaError {
  readonly code = "UNSUPPORTED_VERSION";
  readonly errorCode = 35; // UNSUPPORTED_VERSION
  override name = "UnsupportedVersionError";
}

/** A record batch whose framing or CRC is wrong (Kafka's CorruptRecordException). */
export class CorruptRecordError extends KafkaError {
  readonly code = "CORRUPT_RECORD";
  readonly errorCode = 2; // CORRUPT_MESSAGE
  override name = "CorruptRecordError";
  override retriable = true;
}

/** A well-framed batch whose content breaks a rule (bad record counts, lengths, offsets). */
export class InvalidRecordError extends KafkaError {
  readonly code = "INVALID_RECORD";
  readonly errorCode = 87; // INVALID_RECORD
  override name = "InvalidRecordError";
}

/** One batch is larger than the allowed maximum (`max.message.bytes`). */
export class RecordTooLargeError extends KafkaError {
  readonly code = "RECORD_TOO_LARGE";
  readonly errorCode = 10; // MESSAGE_TOO_LARGE
  override name = "RecordTooLargeError";
}

/** The whole record set of one partition is larger than allowed. */
export class RecordListTooLargeError extends KafkaError {
  readonly code = "RECORD_LIST_TOO_LARGE";
  readonly errorCode = 18; // RECORD_LIST_TOO_LARGE
  override name = "RecordListTooLargeError";
}

/** A batch names a compression codec that is unknown or not allowed. */
export class UnsupportedCompressionError extends KafkaError {
  readonly code = "UNSUPPORTED_COMPRESSION";
  readonly errorCode = 76; // UNSUPPORTED_COMPRESSION_TYPE
  override name = "UnsupportedCompressionError";
}

/** A batch with a magic byte other than 2 (message format v0/v1 is not supported). */
export class UnsupportedMagicError extends KafkaError {
  readonly code = "UNSUPPORTED_MAGIC";
  readonly errorCode = 43; // UNSUPPORTED_FOR_MESSAGE_FORMAT
  override name = "UnsupportedMagicError";
}
