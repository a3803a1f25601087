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
  allocateProducerIds(request: { readonly brokerId: NodeId; readonly brokerEpoch: number }): Promise<AllocateProducerIdsResponse>;
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
  "allocateProducerIds",
];
