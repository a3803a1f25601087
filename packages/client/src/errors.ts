import { ErrorCode, errorCodeName, isRetriableErrorCode } from "@samsa/protocol";

/**
 * Failures of the client itself (transport, timeouts, misuse of the cluster's
 * answers). Errors the broker reports with a Kafka error code are raised as
 * `BrokerError`, which carries that code.
 */
export class ClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ConnectionError extends ClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CONNECTION_ERROR", message, options);
  }
}

export class ConnectionClosedError extends ClientError {
  constructor(message = "connection closed") {
    super("CONNECTION_CLOSED", message);
  }
}

export class RequestTimeoutError extends ClientError {
  constructor(
    readonly apiKey: number,
    readonly timeoutMs: number,
  ) {
    super("REQUEST_TIMEOUT", `request (api key ${apiKey}) got no response within ${timeoutMs} ms`);
  }
}

export class FrameTooLargeError extends ClientError {
  constructor(
    readonly sizeBytes: number,
    readonly maxFrameBytes: number,
  ) {
    super("FRAME_TOO_LARGE", `response frame of ${sizeBytes} bytes exceeds maxFrameBytes ${maxFrameBytes}`);
  }
}

export class UnsupportedVersionError extends ClientError {
  constructor(readonly apiKey: number, detail: string) {
    super("UNSUPPORTED_VERSION", `api key ${apiKey}: ${detail}`);
  }
}

/** The broker answered with a Kafka error code. */
export class BrokerError extends ClientError {
  constructor(
    readonly errorCode: number,
    readonly errorName: string,
    readonly retriable: boolean,
    message: string,
  ) {
    super(errorName, message);
  }

  /** `context` says what was asked ("CreateTopics orders"); the broker's message is appended when given. */
  static fromCode(errorCode: number, context: string, brokerMessage?: string | null): BrokerError {
    const name = errorCodeName(errorCode);
    const detail = brokerMessage ? `${context}: ${brokerMessage}` : `${context}: ${name}`;
    return new BrokerError(errorCode, name, isRetriableErrorCode(errorCode), detail);
  }
}

/** Errors after which the client's cached leaders are stale and metadata must be refreshed. */
const STALE_METADATA_CODES: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.NOT_CONTROLLER,
]);

export function needsMetadataRefresh(err: unknown): boolean {
  if (err instanceof BrokerError) return STALE_METADATA_CODES.has(err.errorCode);
  // A broken connection may mean the broker is gone and leadership moved.
  return err instanceof ConnectionError || err instanceof ConnectionClosedError;
}

/** Worth another attempt: retriable Kafka errors, stale routing, transport failures. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof BrokerError) return err.retriable || STALE_METADATA_CODES.has(err.errorCode);
  return err instanceof ConnectionError || err instanceof ConnectionClosedError || err instanceof RequestTimeoutError;
}
