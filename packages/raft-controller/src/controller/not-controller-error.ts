import type { NodeId } from "../raft/types.js";
import { KafkaErrorCode } from "./errors.js";

/** This node is not (or no longer) the active controller; `leaderId` is the one it knows, if any. */
export class NotControllerError extends Error {
  readonly code = "NOT_CONTROLLER";
  readonly errorCode = KafkaErrorCode.NOT_CONTROLLER;
  constructor(readonly leaderId: NodeId | null, reason: string) {
    super(`not the active controller (${reason}); known leader: ${leaderId ?? "none"}`);
    this.name = "NotControllerError";
  }
}
