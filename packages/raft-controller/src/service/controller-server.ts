import { KafkaErrorCode } from "../controller/errors.js";
import { NotControllerError } from "../controller/not-controller-error.js";
import type { RpcServer } from "../rpc/server.js";
import { CONTROLLER_OPERATIONS, type ControllerApi, type ControllerOperation } from "./controller-api.js";
import { controllerMethod, decodeControllerRequest, encodeControllerReply, encodeControllerResponse, type ControllerReply, type ControllerRequest, type ControllerResponse } from "./payload-codec.js";
import { ControllerPayloadDecodeError } from "./payload-errors.js";

/**
 * Serves the controller requests on the controller listener (next to the Raft
 * method the RaftNode registers on the same RpcServer). Every node with the
 * controller role runs it; a node that is not the active controller answers
 * NOT_CONTROLLER with the leader it knows, so clients go there.
 */
export class ControllerServer {
  constructor(
    server: RpcServer,
    private readonly controller: ControllerApi,
    private readonly onError?: (error: Error) => void,
  ) {
    for (const operation of CONTROLLER_OPERATIONS) {
      server.handle(controllerMethod(operation), (payload) => this.serve(operation, payload));
    }
  }

  private async serve<K extends ControllerOperation>(operation: K, payload: Uint8Array): Promise<Uint8Array> {
    let reply: ControllerReply;
    try {
      const request = decodeControllerRequest(operation, payload);
      const method = this.controller[operation] as (request: ControllerRequest<K>) => Promise<ControllerResponse<K>>;
      const result = await method.call(this.controller, request);
      reply = { ok: true, result: encodeControllerResponse(operation, result) };
    } catch (error) {
      if (error instanceof NotControllerError) {
        reply = { ok: false, code: error.code, errorCode: error.errorCode, leaderId: error.leaderId, message: error.message };
      } else if (error instanceof ControllerPayloadDecodeError) {
        // The caller's bug or version skew: answered with its own code, not retried as a server failure.
        reply = { ok: false, code: error.code, errorCode: error.errorCode, leaderId: null, message: error.message };
      } else {
        this.onError?.(error as Error);
        reply = { ok: false, code: "CONTROLLER_ERROR", errorCode: KafkaErrorCode.UNKNOWN_SERVER_ERROR, leaderId: null, message: (error as Error).message };
      }
    }
    return encodeControllerReply(reply);
  }
}
