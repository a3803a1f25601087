import type { NodeId } from "../raft/types.js";

export interface BrokerEndpoint {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: string;
}

export type ConfigResourceType = "topic" | "broker";

/** Broker id of "no leader" in partition records, as in Kafka. */
export const NO_LEADER = -1;

/** The records of the metadata log, replayed in order by every controller and broker. */
export type MetadataRecord =
  | {
      readonly type: "RegisterBroker";
      readonly brokerId: NodeId;
      readonly incarnationId: string;
      readonly brokerEpoch: number;
      readonly endpoints: readonly BrokerEndpoint[];
      readonly rack: string | null;
    }
  | { readonly type: "FenceBroker"; readonly brokerId: NodeId; readonly brokerEpoch: number }
  | { readonly type: "UnfenceBroker"; readonly brokerId: NodeId; readonly brokerEpoch: number }
  | { readonly type: "Topic"; readonly name: string; readonly topicId: string }
  | {
      readonly type: "Partition";
      readonly topicId: string;
      readonly partitionId: number;
      readonly replicas: readonly NodeId[];
      readonly isr: readonly NodeId[];
      readonly leader: NodeId;
      readonly leaderEpoch: number;
      readonly partitionEpoch: number;
      /** KIP-455: replicas a reassignment in progress adds / removes (absent: none). */
      readonly addingReplicas?: readonly NodeId[];
      readonly removingReplicas?: readonly NodeId[];
    }
  | {
      readonly type: "PartitionChange";
      readonly topicId: string;
      readonly partitionId: number;
      /** null: unchanged. */
      readonly leader: NodeId | null;
      readonly isr: readonly NodeId[] | null;
      readonly replicas: readonly NodeId[] | null;
      /** Reassignment state; absent or null: unchanged, [] clears it. */
      readonly addingReplicas?: readonly NodeId[] | null;
      readonly removingReplicas?: readonly NodeId[] | null;
    }
  | {
      readonly type: "Config";
      readonly resourceType: ConfigResourceType;
      readonly resourceName: string;
      readonly name: string;
      /** null deletes the key. */
      readonly value: string | null;
    }
  | { readonly type: "RemoveTopic"; readonly topicId: string }
  | { readonly type: "ProducerIds"; readonly brokerId: NodeId; readonly brokerEpoch: number; readonly nextProducerId: number }
  | { readonly type: "NoOp" };

export type MetadataRecordType = MetadataRecord["type"];
