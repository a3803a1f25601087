import { ApiKey, ErrorCode, ZERO_UUID, type MetadataResponseMetadataResponseTopic } from "@samsa/protocol";
import type { BrokerContext } from "../broker-context.js";
import type { TopicMetadata } from "../metadata/metadata-store.js";
import { TopicOperationError } from "../metadata/topic-manager.js";
import { NO_LEADER } from "../partitions/partition-manager.js";
import { INTERNAL_TOPICS, topicNameProblem } from "../metadata/topic-names.js";
import { defineHandler } from "./handler.js";

/** Kafka's "not requested" value for authorized-operation bit fields. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

export function describeTopic(broker: BrokerContext, t: TopicMetadata): MetadataResponseMetadataResponseTopic {
  const live = new Set(broker.metadata.brokers().filter((b) => !b.fenced).map((b) => b.id));
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.topicId,
    isInternal: INTERNAL_TOPICS.has(t.name),
    partitions: t.partitions.map((p) => ({
      // A partition waiting for an ISR member to come back has no leader (-1).
      errorCode: p.leader === NO_LEADER ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
      partitionIndex: p.partition,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: [...p.replicas],
      isrNodes: [...p.isr],
      offlineReplicas: p.replicas.filter((id) => !live.has(id)),
    })),
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

/**
 * The live (unfenced) brokers with their endpoint on the listener the client came
 * through. Before this node has any metadata (still joining) it lists itself, so
 * clients keep a usable bootstrap.
 */
export function liveBrokers(broker: BrokerContext, listenerName: string): Array<{ nodeId: number; host: string; port: number; rack: string | null }> {
  const listed = broker.metadata
    .brokers()
    .filter((b) => !b.fenced)
    .map((b) => {
      const e = b.endpoints.find((x) => x.name === listenerName) ?? b.endpoints[0];
      return e ? { nodeId: b.id, host: e.host, port: e.port, rack: b.rack } : null;
    })
    .filter((b) => b !== null);
  if (listed.length > 0) return listed;
  const self = broker.advertisedEndpoint(listenerName);
  return [{ nodeId: broker.nodeId, host: self.host, port: self.port, rack: null }];
}

/**
 * The "controller" clients send admin requests to. Any broker forwards them to the
 * active controller, so this is the active controller when it is also a live
 * broker (combined mode), else this broker (clients cannot reach controller-only nodes).
 */
export function clientFacingControllerId(broker: BrokerContext, brokers: ReadonlyArray<{ nodeId: number }>): number {
  const active = broker.metadata.controllerId();
  return brokers.some((b) => b.nodeId === active) ? active : broker.nodeId;
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
    const brokers = liveBrokers(broker, ctx.connection.listenerName);
    return {
      throttleTimeMs: 0,
      brokers,
      clusterId: broker.clusterId,
      controllerId: clientFacingControllerId(broker, brokers),
      topics,
      clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    };
  },
});
