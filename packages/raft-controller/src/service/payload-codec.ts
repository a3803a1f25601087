import type protobuf from "protobufjs";
import { loadProto, PLAIN_OBJECT } from "../proto/load.js";
import type { ControllerApi, ControllerOperation } from "./controller-api.js";
import { OPERATION_MESSAGES, type Plain } from "./operation-messages.js";
import { ControllerPayloadDecodeError } from "./payload-errors.js";

// Controller requests and responses are protobuf messages (src/proto/controller.proto)
// carried as the payload of the RPC envelope. Every answer is a ControllerReply whose
// `result` holds the operation's encoded response message.

export type ControllerRequest<K extends ControllerOperation> = Parameters<ControllerApi[K]>[0];
export type ControllerResponse<K extends ControllerOperation> = Awaited<ReturnType<ControllerApi[K]>>;

export type ControllerReply =
  | { readonly ok: true; readonly result: Uint8Array }
  | { readonly ok: false; readonly code: string; readonly errorCode: number; readonly leaderId: number | null; readonly message: string };

const types = new Map<string, protobuf.Type>();

function messageType(name: string): protobuf.Type {
  let type = types.get(name);
  if (!type) {
    type = loadProto("controller.proto").lookupType(`samsa.controller.${name}`);
    types.set(name, type);
  }
  return type;
}

function encodeMessage(typeName: string, plain: Plain): Uint8Array {
  const type = messageType(typeName);
  return type.encode(type.fromObject(plain)).finish();
}

function decodeMessage<T>(typeName: string, bytes: Uint8Array, what: string, fromProto: (o: Plain) => T): T {
  const type = messageType(typeName);
  let plain: Plain;
  try {
    plain = type.toObject(type.decode(bytes), PLAIN_OBJECT);
  } catch (error) {
    throw new ControllerPayloadDecodeError(what, (error as Error).message);
  }
  try {
    return fromProto(plain);
  } catch (error) {
    if (error instanceof ControllerPayloadDecodeError) throw error;
    throw new ControllerPayloadDecodeError(what, (error as Error).message);
  }
}

export function encodeControllerRequest<K extends ControllerOperation>(operation: K, request: ControllerRequest<K>): Uint8Array {
  const mapping = OPERATION_MESSAGES[operation].request;
  return encodeMessage(mapping.type, mapping.toProto(request));
}

export function decodeControllerRequest<K extends ControllerOperation>(operation: K, bytes: Uint8Array): ControllerRequest<K> {
  const mapping = OPERATION_MESSAGES[operation].request;
  return decodeMessage(mapping.type, bytes, `${operation} request`, (o) => mapping.fromProto(o, `${operation} request`));
}

export function encodeControllerResponse<K extends ControllerOperation>(operation: K, response: ControllerResponse<K>): Uint8Array {
  const mapping = OPERATION_MESSAGES[operation].response;
  return encodeMessage(mapping.type, mapping.toProto(response));
}

export function decodeControllerResponse<K extends ControllerOperation>(operation: K, bytes: Uint8Array): ControllerResponse<K> {
  const mapping = OPERATION_MESSAGES[operation].response;
  return decodeMessage(mapping.type, bytes, `${operation} response`, (o) => mapping.fromProto(o, `${operation} response`));
}

export function encodeControllerReply(reply: ControllerReply): Uint8Array {
  if (reply.ok) return encodeMessage("ControllerReply", { result: reply.result });
  const failure: Plain = { code: reply.code, errorCode: reply.errorCode, message: reply.message };
  if (reply.leaderId !== null) failure.leaderId = reply.leaderId;
  return encodeMessage("ControllerReply", { failure });
}

export function decodeControllerReply(bytes: Uint8Array, what: string): ControllerReply {
  return decodeMessage("ControllerReply", bytes, what, (o): ControllerReply => {
    if (o.outcome === "result") return { ok: true, result: o.result as Uint8Array };
    if (o.outcome === "failure") {
      const f = o.failure as Plain;
      return { ok: false, code: f.code, errorCode: f.errorCode, leaderId: f.leaderId ?? null, message: f.message };
    }
    throw new ControllerPayloadDecodeError(what, "neither a result nor a failure");
  });
}

export function controllerMethod(operation: string): string {
  return `controller.${operation}`;
}
