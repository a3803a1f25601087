import type protobuf from "protobufjs";
import { loadProto, PLAIN_OBJECT } from "../proto/load.js";
import type { RaftBody, RaftErrorName, RaftMessage } from "../raft/messages.js";
import type { LogEntry } from "../raft/types.js";
import { RaftDecodeError } from "./errors.js";

export interface Envelope {
  readonly correlationId: number;
  readonly isResponse: boolean;
  readonly method: string;
  readonly error: string;
  readonly payload: Uint8Array;
}

let types: { envelope: protobuf.Type; raft: protobuf.Type } | null = null;

function protoTypes(): { envelope: protobuf.Type; raft: protobuf.Type } {
  if (!types) {
    const root = loadProto("raft.proto");
    types = { envelope: root.lookupType("samsa.raft.Envelope"), raft: root.lookupType("samsa.raft.RaftMessage") };
  }
  return types;
}

export function encodeEnvelope(envelope: Envelope): Uint8Array {
  const { envelope: type } = protoTypes();
  return type.encode(type.fromObject(envelope)).finish();
}

export function decodeEnvelope(bytes: Uint8Array): Envelope {
  const { envelope: type } = protoTypes();
  try {
    const o = type.toObject(type.decode(bytes), PLAIN_OBJECT) as Envelope;
    return { ...o, payload: o.payload ?? new Uint8Array(0) };
  } catch (error) {
    throw new RaftDecodeError(`undecodable RPC envelope: ${(error as Error).message}`);
  }
}

const BODY_FIELD: Record<RaftBody["type"], string> = {
  VoteRequest: "voteRequest",
  VoteResponse: "voteResponse",
  BeginQuorumEpochRequest: "beginQuorumEpochRequest",
  BeginQuorumEpochResponse: "beginQuorumEpochResponse",
  EndQuorumEpochRequest: "endQuorumEpochRequest",
  EndQuorumEpochResponse: "endQuorumEpochResponse",
  FetchRequest: "fetchRequest",
  FetchResponse: "fetchResponse",
  FetchSnapshotRequest: "fetchSnapshotRequest",
  FetchSnapshotResponse: "fetchSnapshotResponse",
};
const BODY_TYPE = new Map(Object.entries(BODY_FIELD).map(([type, field]) => [field, type as RaftBody["type"]]));

type Plain = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function bodyToProto(body: RaftBody): Plain {
  const { type: _type, ...fields } = body as Plain;
  const out: Plain = { ...fields };
  if ("leaderId" in out && out.leaderId === null) delete out.leaderId;
  if (body.type === "FetchResponse") {
    out.entries = body.entries.map((e) => ({ offset: e.offset, epoch: e.epoch, leaderChange: e.kind === "leader-change", payload: e.payload }));
    if (out.divergingEpoch === null) delete out.divergingEpoch;
    if (out.snapshotId === null) delete out.snapshotId;
  }
  return out;
}

function safeInt(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new RaftDecodeError(`${field} is not a safe integer`);
  return value;
}

function bodyFromProto(type: RaftBody["type"], o: Plain): RaftBody {
  const leaderId = o.leaderId ?? null;
  const error = (o.error || "NONE") as RaftErrorName;
  switch (type) {
    case "VoteRequest":
      return { type, epoch: o.epoch, candidateId: o.candidateId, lastEpoch: o.lastEpoch, endOffset: safeInt(o.endOffset, "endOffset"), preVote: o.preVote };
    case "VoteResponse":
      return { type, error, epoch: o.epoch, leaderId, voteGranted: o.voteGranted, preVote: o.preVote };
    case "BeginQuorumEpochRequest":
      return { type, epoch: o.epoch, leaderId: o.leaderId };
    case "BeginQuorumEpochResponse":
    case "EndQuorumEpochResponse":
      return { type, error, epoch: o.epoch, leaderId };
    case "EndQuorumEpochRequest":
      return { type, epoch: o.epoch, leaderId: o.leaderId, preferredSuccessors: o.preferredSuccessors };
    case "FetchRequest":
      return { type, epoch: o.epoch, replicaId: o.replicaId, fetchOffset: safeInt(o.fetchOffset, "fetchOffset"), lastFetchedEpoch: o.lastFetchedEpoch, maxBytes: o.maxBytes, maxWaitMs: o.maxWaitMs };
    case "FetchResponse":
      return {
        type,
        error,
        epoch: o.epoch,
        leaderId,
        highWatermark: safeInt(o.highWatermark, "highWatermark"),
        logStartOffset: safeInt(o.logStartOffset, "logStartOffset"),
        entries: (o.entries as Plain[]).map(
          (e): LogEntry => ({ offset: safeInt(e.offset, "offset"), epoch: e.epoch, kind: e.leaderChange ? "leader-change" : "data", payload: e.payload }),
        ),
        divergingEpoch: o.divergingEpoch ? { epoch: o.divergingEpoch.epoch, endOffset: safeInt(o.divergingEpoch.endOffset, "endOffset") } : null,
        snapshotId: o.snapshotId ? { endOffset: safeInt(o.snapshotId.endOffset, "endOffset"), epoch: o.snapshotId.epoch } : null,
      };
    case "FetchSnapshotRequest":
      return { type, epoch: o.epoch, replicaId: o.replicaId, snapshotId: snapshotIdFrom(o.snapshotId), position: safeInt(o.position, "position"), maxBytes: o.maxBytes };
    case "FetchSnapshotResponse":
      return {
        type,
        error,
        epoch: o.epoch,
        leaderId,
        snapshotId: snapshotIdFrom(o.snapshotId),
        sizeBytes: safeInt(o.sizeBytes, "sizeBytes"),
        position: safeInt(o.position, "position"),
        bytes: o.bytes,
      };
  }
}

function snapshotIdFrom(o: Plain | undefined): { endOffset: number; epoch: number } {
  if (!o) throw new RaftDecodeError("snapshot id missing");
  return { endOffset: safeInt(o.endOffset ?? 0, "endOffset"), epoch: o.epoch ?? 0 };
}

export function encodeRaftMessage(message: RaftMessage): Uint8Array {
  const { raft } = protoTypes();
  return raft
    .encode(raft.fromObject({ from: message.from, to: message.to, correlationId: message.correlationId, [BODY_FIELD[message.body.type]]: bodyToProto(message.body) }))
    .finish();
}

export function decodeRaftMessage(bytes: Uint8Array): RaftMessage {
  const { raft } = protoTypes();
  let o: Plain;
  try {
    o = raft.toObject(raft.decode(bytes), PLAIN_OBJECT);
  } catch (error) {
    throw new RaftDecodeError(`undecodable Raft message: ${(error as Error).message}`);
  }
  const type = BODY_TYPE.get(o.body as string);
  if (!type) throw new RaftDecodeError(`Raft message without a body`);
  // proto3 `optional` fields (leaderId) stay undefined when absent, even with `defaults: true`.
  const inner = o[o.body] as Plain;
  return { from: o.from, to: o.to, correlationId: o.correlationId, body: bodyFromProto(type, inner) };
}
