import type { Clock, EpochEndOffset, StorageLogger } from "@samsa/storage";

export type NodeId = number;

/** Kafka's "no leader" id. */
export const NO_LEADER: NodeId = -1;

/** Where a partition stands in the committed cluster metadata (the controller's PartitionRegistration). */
export interface PartitionAssignment {
  readonly replicas: readonly NodeId[];
  readonly isr: readonly NodeId[];
  readonly leader: NodeId;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
}

/** Identity of a partition on this broker. */
export interface PartitionId {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
}

/**
 * The slice of `@samsa/storage`'s PartitionLog that replication drives; the
 * real log satisfies it structurally, tests pass an in-memory one.
 */
export interface ReplicaLog {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** Clamped to [logStartOffset, logEndOffset] by the log. */
  highWatermark: number;
  readonly latestEpoch: number;
  endOffsetFor(epoch: number): EpochEndOffset;
  appendAsFollower(records: Buffer): Promise<{ lastOffset: number }>;
  truncateTo(offset: number): Promise<void>;
  truncateFullyAndStartAt(offset: number): Promise<void>;
  /** Moves the log start up to `offset` (at most the log end); resolves with the new log start. */
  deleteRecordsBefore(offset: number): Promise<number>;
  assignEpoch(epoch: number, startOffset: number): Promise<void>;
}

export interface AlterPartitionRequest {
  readonly brokerId: NodeId;
  readonly brokerEpoch: number;
  readonly topicId: string;
  readonly partitionId: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly newIsr: readonly NodeId[];
}

export interface AlterPartitionResponse {
  readonly errorCode: number;
  /** The partition as the controller now has it (after the change when it succeeded). */
  readonly partition: PartitionAssignment | null;
}

/** The controller's AlterPartition (KIP-497); `@samsa/raft-controller`'s ControllerClient fits. */
export interface AlterPartitionSender {
  alterPartition(request: AlterPartitionRequest): Promise<AlterPartitionResponse>;
}

export type ReplicationLogger = StorageLogger & { debug?(obj: object, msg: string): void };

export type { Clock };

export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
