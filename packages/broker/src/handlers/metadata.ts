import { ApiKey, ErrorCode, ZERO_UUID, type MetadataResponseMetadataResponseTopic } from "@samsa/protocol";
import type { BrokerContext } from "../broker-context.js";
import type { TopicMetadata } from "../metadata/metadata-store.js";
import { TopicOperationError } from "../metadata/topic-manager.js";
import { INTERNAL_TOPICS, topicNameProblem } from "../metadata/topic-names.js";
import { defineHandler } from "./handler.js";

/** Kafka's "not requested" value for authorized-operation bit fields. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

export function describeTopic(broker: BrokerContext, t: TopicMetadata): MetadataResponseMetadataResponseTopic {
  const nodeId = broker.nodeId;
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.topicId,
    isInternal: INTERNAL_TOPICS.has(t.name),
    partitions: Array.from({ length: t.partitionCount }, (_, p) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex: p,
      leaderId: nodeId,
      leaderEpoch: t.leaderEpochs[p] ?? 0,
      replicaNodes: [nodeId],
      isrNodes: [nodeId],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

function topicError(name: string | null, topicId: string, errorCode: number): MetadataResponseMetadataResponseTopic {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}

export const metadataHandler = defineHandler({
  apiKey: ApiKey.Metadata,
  name: "Metadata",
  minVersion: 0,
  maxVersion: 12,
  async handle(ctx, request, version) {
    const broker = ctx.broker;
    const endpoint = broker.advertisedEndpoint(ctx.connection.listenerName);
    // v0 used an empty list for "all topics"; v1+ uses null.
    const all = request.topics === null || (version === 0 && request.topics.length === 0);
    const allowAutoCreate = (version < 4 || request.allowAutoTopicCreation !== false) && broker.config.autoCreateTopicsEnable;
    let topics: MetadataResponseMetadataResponseTopic[];
    if (all) {
      topics = [...broker.metadata.topics()].map((t) => describeTopic(broker, t));
    } else {
      topics = await Promise.all(
        request.topics!.map(async (requested) => {
          if (requested.name === null || requested.name === undefined) {
            const id = requested.topicId ?? ZERO_UUID;
            const t = id === ZERO_UUID ? undefined : broker.metadata.topicById(id);
            return t ? describeTopic(broker, t) : topicError(null, id, ErrorCode.UNKNOWN_TOPIC_ID);
          }
          const name = requested.name;
          const existing = broker.metadata.topic(name);
          if (existing) return describeTopic(broker, existing);
          if (topicNameProblem(name)) return topicError(name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION);
          if (!allowAutoCreate || INTERNAL_TOPICS.has(name)) return topicError(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          try {
            return describeTopic(broker, await broker.topics.autoCreate(name));
          } catch (err) {
            if (err instanceof TopicOperationError) {
              // A concurrent creation won the race: describe what exists now.
              const now = broker.metadata.topic(name);
              if (now) return describeTopic(broker, now);
              ctx.logger.warn({ topic: name, err: err.message }, "auto-creating topic failed");
              return topicError(name, ZERO_UUID, err.errorCode === ErrorCode.INVALID_REPLICATION_FACTOR ? ErrorCode.INVALID_REPLICATION_FACTOR : ErrorCode.LEADER_NOT_AVAILABLE);
            }
            throw err;
          }
        }),
      );
    }
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: broker.nodeId, host: endpoint.host, port: endpoint.port, rack: null }],
      clusterId: broker.clusterId,
      controllerId: broker.nodeId,
      topics,
      clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    };
  },
});
