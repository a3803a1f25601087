import { ZERO_UUID, type MetadataResponse } from "@samsa/protocol";

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  /** -1 while the partition has no leader. */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  errorCode: number;
}

export interface TopicInfo {
  name: string;
  topicId: string | null;
  isInternal: boolean;
  /** Sorted by partition index. */
  partitions: PartitionInfo[];
}

export interface ClusterMetadata {
  clusterId: string | null;
  controllerId: number;
  brokers: Map<number, BrokerInfo>;
  topics: Map<string, TopicInfo>;
  /** Topics asked for that the broker reported with an error (e.g. UNKNOWN_TOPIC_OR_PARTITION). */
  topicErrors: Map<string, number>;
}

/** The client's model of a Metadata response. */
export function clusterMetadataFrom(response: MetadataResponse): ClusterMetadata {
  const brokers = new Map<number, BrokerInfo>();
  for (const b of response.brokers) brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack ?? null });
  const topics = new Map<string, TopicInfo>();
  const topicErrors = new Map<string, number>();
  for (const t of response.topics) {
    if (t.name === null) continue;
    if (t.errorCode !== 0) {
      topicErrors.set(t.name, t.errorCode);
      continue;
    }
    topics.set(t.name, {
      name: t.name,
      topicId: t.topicId && t.topicId !== ZERO_UUID ? t.topicId : null,
      isInternal: t.isInternal ?? false,
      partitions: t.partitions
        .map((p) => ({
          partition: p.partitionIndex,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch ?? -1,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offlineReplicas: p.offlineReplicas ?? [],
          errorCode: p.errorCode,
        }))
        .sort((a, b) => a.partition - b.partition),
    });
  }
  return {
    clusterId: response.clusterId ?? null,
    controllerId: response.controllerId ?? -1,
    brokers,
    topics,
    topicErrors,
  };
}
