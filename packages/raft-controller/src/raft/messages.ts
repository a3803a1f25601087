import type { LogEntry, NodeId, SnapshotId } from "./types.js";

/**
 * Errors a Raft RPC can answer with. They mirror the Kafka error names KRaft uses so
 * logs read the same; the RPC layer maps them to Kafka error codes where one exists.
 */
export type RaftErrorName =
  | "NONE"
  | "FENCED_LEADER_EPOCH"
  | "UNKNOWN_LEADER_EPOCH"
  | "NOT_LEADER_OR_FOLLOWER"
  | "SNAPSHOT_NOT_FOUND"
  | "INCONSISTENT_VOTER_SET";

/**
 * Vote and pre-vote (KIP-996). For a pre-vote, `epoch` is the epoch the sender would
 * campaign in; receivers answer without changing or persisting anything.
 */
export interface VoteRequest {
  readonly type: "VoteRequest";
  readonly epoch: number;
  readonly candidateId: NodeId;
  readonly lastEpoch: number;
  readonly endOffset: number;
  readonly preVote: boolean;
}

export interface VoteResponse {
  readonly type: "VoteResponse";
  readonly error: RaftErrorName;
  /** Epoch of the request being answered when granted; otherwise the voter's current epoch. */
  readonly epoch: number;
  readonly leaderId: NodeId | null;
  readonly voteGranted: boolean;
  readonly preVote: boolean;
}

/** Sent by a new leader so voters learn it without waiting for an election timeout. */
export interface BeginQuorumEpochRequest {
  readonly type: "BeginQuorumEpochRequest";
  readonly epoch: number;
  readonly leaderId: NodeId;
}

export interface BeginQuorumEpochResponse {
  readonly type: "BeginQuorumEpochResponse";
  readonly error: RaftErrorName;
  readonly epoch: number;
  readonly leaderId: NodeId | null;
}

/** Sent by a leader that shuts down gracefully; the first preferred successor campaigns at once. */
export interface EndQuorumEpochRequest {
  readonly type: "EndQuorumEpochRequest";
  readonly epoch: number;
  readonly leaderId: NodeId;
  readonly preferredSuccessors: readonly NodeId[];
}

export interface EndQuorumEpochResponse {
  readonly type: "EndQuorumEpochResponse";
  readonly error: RaftErrorName;
  readonly epoch: number;
  readonly leaderId: NodeId | null;
}

/** Followers and observers pull: fetchOffset is their log end, lastFetchedEpoch the epoch of their last entry. */
export interface FetchRequest {
  readonly type: "FetchRequest";
  readonly epoch: number;
  readonly replicaId: NodeId;
  readonly fetchOffset: number;
  readonly lastFetchedEpoch: number;
  readonly maxBytes: number;
  readonly maxWaitMs: number;
}

export interface FetchResponse {
  readonly type: "FetchResponse";
  readonly error: RaftErrorName;
  readonly epoch: number;
  readonly leaderId: NodeId | null;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly entries: readonly LogEntry[];
  /** Set when the follower's log diverges: truncate to at most endOffset, then fetch again. */
  readonly divergingEpoch: { readonly epoch: number; readonly endOffset: number } | null;
  /** Set when the follower must load this snapshot (its fetchOffset is before the log start). */
  readonly snapshotId: SnapshotId | null;
}

export interface FetchSnapshotRequest {
  readonly type: "FetchSnapshotRequest";
  readonly epoch: number;
  readonly replicaId: NodeId;
  readonly snapshotId: SnapshotId;
  readonly position: number;
  readonly maxBytes: number;
}

export interface FetchSnapshotResponse {
  readonly type: "FetchSnapshotResponse";
  readonly error: RaftErrorName;
  readonly epoch: number;
  readonly leaderId: NodeId | null;
  readonly snapshotId: SnapshotId;
  readonly sizeBytes: number;
  readonly position: number;
  readonly bytes: Uint8Array;
}

export type RaftRequest =
  | VoteRequest
  | BeginQuorumEpochRequest
  | EndQuorumEpochRequest
  | FetchRequest
  | FetchSnapshotRequest;

export type RaftResponse =
  | VoteResponse
  | BeginQuorumEpochResponse
  | EndQuorumEpochResponse
  | FetchResponse
  | FetchSnapshotResponse;

export type RaftBody = RaftRequest | RaftResponse;

/**
 * An addressed message. A response carries the correlationId of its request so the
 * sender can drop stale and duplicated answers.
 */
export interface RaftMessage<B extends RaftBody = RaftBody> {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly correlationId: number;
  readonly body: B;
}

export function isRequest(body: RaftBody): body is RaftRequest {
  return body.type.endsWith("Request");
}
