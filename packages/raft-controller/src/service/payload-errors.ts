import { KafkaErrorCode } from "../controller/errors.js";

/**
 * A controller request or reply payload that is not a valid protobuf message of the
 * operation's type, or carries a value the TypeScript shape cannot hold (an int64
 * beyond the safe-integer range, an unknown enum value, a missing required oneof).
 */
export class ControllerPayloadDecodeError extends Error {
  readonly code = "CONTROLLER_PAYLOAD_DECODE_ERROR";
  readonly errorCode = KafkaErrorCode.INVALID_REQUEST;
  constructor(readonly what: string, detail: string) {
    super(`undecodable ${what}: ${detail}`);
    this.name = "ControllerPayloadDecodeError";
  }
}
