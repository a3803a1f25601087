import { describe, expect, it } from "vitest";
import {
  CorruptRecordError,
  ErrorCode,
  errorCodeName,
  isRetriableErrorCode,
  KafkaError,
  ProtocolDecodeError,
  RecordTooLargeError,
  RETRIABLE_ERROR_NAMES,
} from "@samsa/protocol";

describe("error codes", () => {
  it("maps names and numbers", () => {
    expect(ErrorCode.NONE).toBe(0);
    expect(ErrorCode.UNKNOWN_SERVER_ERROR).toBe(-1);
    expect(ErrorCode.NOT_LEADER_OR_FOLLOWER).toBe(6);
    expect(ErrorCode.UNKNOWN_TOPIC_ID).toBe(100);
    expect(errorCodeName(3)).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect(errorCodeName(99)).toBe("UNKNOWN_ERROR_CODE_99");
  });

  it("knows which codes Kafka clients retry", () => {
    for (const name of ["NOT_LEADER_OR_FOLLOWER", "LEADER_NOT_AVAILABLE", "REQUEST_TIMED_OUT", "NOT_COORDINATOR"] as const) {
      expect(isRetriableErrorCode(ErrorCode[name]), name).toBe(true);
    }
    for (const name of ["NONE", "TOPIC_AUTHORIZATION_FAILED", "INVALID_REQUEST", "UNKNOWN_SERVER_ERROR"] as const) {
      expect(isRetriableErrorCode(ErrorCode[name]), name).toBe(false);
    }
    expect(RETRIABLE_ERROR_NAMES.has("CORRUPT_MESSAGE")).toBe(true);
  });

  it("typed errors carry a stable code and the Kafka error code", () => {
    const e = new RecordTooLargeError("batch of 2 MB");
    expect(e).toBeInstanceOf(KafkaError);
    expect(e.code).toBe("RECORD_TOO_LARGE");
    expect(e.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(e.retriable).toBe(false);
    expect(new CorruptRecordError("x").retriable).toBe(isRetriableErrorCode(ErrorCode.CORRUPT_MESSAGE));
    expect(new ProtocolDecodeError("x").errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});
