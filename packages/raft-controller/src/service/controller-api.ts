import type {
  AllocateProducerIdsResponse,
  AlterConfigsResource,
  AlterPartitionRequest,
  AlterPartitionResponse,
  BrokerHeartbeatRequest,
  BrokerHeartbeatResponse,
  CreatableTopic,
  CreateTopicResult,
  ElectionType,
  ElectLeadersResult,
  RegisterBrokerRequest,
  RegisterBrokerResponse,
  TopicErrorResult,
} from "../controller/controller.js";
import type {
  AlterPartitionReassignmentsRequest,
  ListPartitionReassignmentsRequest,
  OngoingReassignment,
  ReassignmentTopicResult,
} from "../controller/reassignment.js";
import type { NodeId } from "../raft/types.js";

export interface CreateTopicsRequest {
  readonly topics: readonly CreatableTopic[];
  readonly validateOnly?: boolean;
}

export interface ElectLeadersRequest {
  readonly type: ElectionType;
  /** Partitions by topic id, or every partition. */
  readonly partitions: readonly { topicId: string; partitionId: number }[] | "all";
}

/** One replica of the metadata log as the Raft leader sees it. */
export interface QuorumReplicaDescription {
  readonly replicaId: NodeId;
  /** -1 when it has not fetched in the leader's epoch. */
  readonly logEndOffset: number;
  /** Wall-clock ms of its last fetch (-1: none in this epoch). */
  readonly lastFetchTimestamp: number;
  /** Wall-clock ms of its last fetch that reached the leader's log end (-1: never). */
  readonly lastCaughtUpTimestamp: number;
}

/** DescribeQuorum: the metadata quorum as its leader (the active controller) sees it. */
export interface QuorumDescription {
  readonly leaderId: NodeId;
  readonly leaderEpoch: number;
  readonly highWatermark: number;
  readonly voters: readonly QuorumReplicaDescription[];
  readonly observers: readonly QuorumReplicaDescription[];
}

/**
 * What the active controller serves. `QuorumController` implements it locally on the
 * Raft leader; `ControllerClient` implements it remotely from any node, so the broker
 * codes against one interface whether or not it runs the controller itself.
 */
export interface ControllerApi {
  registerBroker(request: RegisterBrokerRequest): Promise<RegisterBrokerResponse>;
  brokerHeartbeat(request: BrokerHeartbeatRequest): Promise<BrokerHeartbeatResponse>;
  createTopics(request: CreateTopicsRequest): Promise<CreateTopicResult[]>;
  deleteTopics(request: { readonly names: readonly string[] }): Promise<TopicErrorResult[]>;
  createPartitions(request: { readonly topics: readonly { name: string; count: number }[] }): Promise<TopicErrorResult[]>;
  /** Legacy AlterConfigs: each resource's configs are replaced as a whole (keys not listed are deleted). */
  alterConfigs(request: { readonly resources: readonly AlterConfigsResource[] }): Promise<TopicErrorResult[]>;
  /** IncrementalAlterConfigs: listed keys are set, a null value deletes the key, others stay. */
  incrementalAlterConfigs(request: { readonly resources: readonly AlterConfigsResource[] }): Promise<TopicErrorResult[]>;
  alterPartition(request: AlterPartitionRequest): Promise<AlterPartitionResponse>;
  electLeaders(request: ElectLeadersRequest): Promise<ElectLeadersResult[]>;
  /** KIP-455: start, replace or cancel (null replicas) partition reassignments. */
  alterPartitionReassignments(request: AlterPartitionReassignmentsRequest): Promise<ReassignmentTopicResult[]>;
  /** The reassignments in progress (writes nothing). */
  listPartitionReassignments(request: ListPartitionReassignmentsRequest): Promise<OngoingReassignment[]>;
  allocateProducerIds(request: { readonly brokerId: NodeId; readonly brokerEpoch: number }): Promise<AllocateProducerIdsResponse>;
  /** The quorum's leader, epoch, high watermark and every replica's progress (writes nothing). */
  describeQuorum(request: Readonly<Record<string, never>>): Promise<QuorumDescription>;
}

export type ControllerOperation = keyof ControllerApi;

export const CONTROLLER_OPERATIONS: readonly ControllerOperation[] = [
  "registerBroker",
  "brokerHeartbeat",
  "createTopics",
  "deleteTopics",
  "createPartitions",
  "alterConfigs",
  "incrementalAlterConfigs",
  "alterPartition",
  "electLeaders",
  "alterPartitionReassignments",
  "listPartitionReassignments",
  "allocateProducerIds",
  "describeQuorum",
];
