import { ErrorCode } from "@samsa/protocol";
import { ControllerRequestError, ControllerUnavailableError, NotControllerError } from "@samsa/raft-controller";
import { TopicOperationError } from "./topic-operation-error.js";

/**
 * Turns a failed call to the active controller into a per-topic Kafka error.
 * NOT_CONTROLLER is retried inside the ControllerClient within its total timeout, so
 * reaching here means no controller answered in time: REQUEST_TIMED_OUT (retriable).
 */
export function controllerFailure(err: unknown): TopicOperationError {
  if (err instanceof ControllerUnavailableError || err instanceof NotControllerError) {
    return new TopicOperationError(ErrorCode.REQUEST_TIMED_OUT, `no active controller answered in time: ${err.message}`);
  }
  if (err instanceof ControllerRequestError) return new TopicOperationError(err.errorCode === -1 ? ErrorCode.UNKNOWN_SERVER_ERROR : err.errorCode, err.message);
  return new TopicOperationError(ErrorCode.UNKNOWN_SERVER_ERROR, `controller call failed: ${(err as Error).message}`);
}
