import { RaftDecodeError } from "../rpc/errors.js";

// Controller requests and responses travel as JSON inside the protobuf RPC envelope:
// they are small, rare (registrations, heartbeats, admin calls) and their shapes are
// the TypeScript interfaces of the controller operations. Raft traffic stays protobuf.

export type ControllerReply =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly code: string; readonly errorCode: number; readonly leaderId: number | null; readonly message: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decodeJson<T>(bytes: Uint8Array, what: string): T {
  try {
    return JSON.parse(decoder.decode(bytes)) as T;
  } catch (error) {
    throw new RaftDecodeError(`undecodable ${what}: ${(error as Error).message}`);
  }
}

export function controllerMethod(operation: string): string {
  return `controller.${operation}`;
}
