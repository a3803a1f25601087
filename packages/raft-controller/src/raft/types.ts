/** Node ids are the `node.id` of controller (voter) and broker (observer) processes. */
export type NodeId = number;

/** A data entry carries an opaque payload; a leader-change entry is appended by every new leader. */
export type EntryKind = "data" | "leader-change";

/**
 * One record of the metadata log. `offset` and `epoch` identify it: two logs that
 * hold an entry with the same offset and epoch agree on every entry before it.
 */
export interface LogEntry {
  readonly offset: number;
  readonly epoch: number;
  readonly kind: EntryKind;
  readonly payload: Uint8Array;
}

/** A snapshot covers every entry with offset < endOffset; epoch is the epoch of entry endOffset-1. */
export interface SnapshotId {
  readonly endOffset: number;
  readonly epoch: number;
}

export interface Snapshot {
  readonly id: SnapshotId;
  readonly data: Uint8Array;
}

/** What must survive a crash before any reply that depends on it is sent (KRaft's quorum-state file). */
export interface QuorumState {
  readonly epoch: number;
  readonly votedId: NodeId | null;
  readonly leaderId: NodeId | null;
}

export const EMPTY_QUORUM_STATE: QuorumState = Object.freeze({ epoch: 0, votedId: null, leaderId: null });

export function sameQuorumState(a: QuorumState, b: QuorumState): boolean {
  return a.epoch === b.epoch && a.votedId === b.votedId && a.leaderId === b.leaderId;
}

/** Bytes an entry is charged against a fetch's `maxBytes`: payload plus a fixed header estimate. */
export const ENTRY_OVERHEAD_BYTES = 24;

export function entrySizeBytes(entry: LogEntry): number {
  return entry.payload.byteLength + ENTRY_OVERHEAD_BYTES;
}

/** Compares log positions (lastEpoch, endOffset) the way a voter decides whether a candidate is up to date. */
export function compareLogPosition(aEpoch: number, aEnd: number, bEpoch: number, bEnd: number): number {
  if (aEpoch !== bEpoch) return aEpoch < bEpoch ? -1 : 1;
  if (aEnd !== bEnd) return aEnd < bEnd ? -1 : 1;
  return 0;
}
