import type {
  AlterConfigsResource,
  AlterPartitionResponse,
  CreatableTopic,
  CreateTopicResult,
  ElectionType,
  TopicErrorResult,
} from "../controller/controller.js";
import type { PartitionState } from "../metadata/image.js";
import type { ConfigResourceType } from "../metadata/records.js";
import type { NodeId } from "../raft/types.js";
import type { ControllerApi, ControllerOperation, QuorumReplicaDescription } from "./controller-api.js";
import { ControllerPayloadDecodeError } from "./payload-errors.js";

// The explicit field mapping between each controller operation's TypeScript shapes and
// its controller.proto messages. Decoding checks what protobuf cannot: int64 values fit
// a safe integer, enums are known, and absent message fields become null.

export type Plain = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface MessageMapping<T> {
  /** Message name in package samsa.controller. */
  readonly type: string;
  toProto(value: T): Plain;
  fromProto(o: Plain, what: string): T;
}

type RequestOf<K extends ControllerOperation> = Parameters<ControllerApi[K]>[0];
type ResponseOf<K extends ControllerOperation> = Awaited<ReturnType<ControllerApi[K]>>;

// ------------------------------------------------------------------ decode checks

function int64(value: unknown, field: string, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new ControllerPayloadDecodeError(what, `${field} is not a safe integer`);
  return value;
}

function orNull<T>(value: T | null | undefined): T | null {
  return value ?? null;
}

function enumFrom<T extends string>(names: Readonly<Record<string, T>>, value: unknown, field: string, what: string): T {
  const mapped = typeof value === "string" ? names[value] : undefined;
  if (mapped === undefined) throw new ControllerPayloadDecodeError(what, `${field} has unknown value ${String(value)}`);
  return mapped;
}

const RESOURCE_TYPE_TO_PROTO: Record<ConfigResourceType, string> = { topic: "CONFIG_RESOURCE_TYPE_TOPIC", broker: "CONFIG_RESOURCE_TYPE_BROKER" };
const RESOURCE_TYPE_FROM_PROTO: Record<string, ConfigResourceType> = { CONFIG_RESOURCE_TYPE_TOPIC: "topic", CONFIG_RESOURCE_TYPE_BROKER: "broker" };
const ELECTION_TYPE_TO_PROTO: Record<ElectionType, string> = { preferred: "ELECTION_TYPE_PREFERRED", unclean: "ELECTION_TYPE_UNCLEAN" };
const ELECTION_TYPE_FROM_PROTO: Record<string, ElectionType> = { ELECTION_TYPE_PREFERRED: "preferred", ELECTION_TYPE_UNCLEAN: "unclean" };

// ------------------------------------------------------------------ shared pieces

/** Ordered config entries; a null value (delete the key) is an absent `value`. */
function configEntriesToProto(configs: Readonly<Record<string, string | null>>): Plain[] {
  return Object.entries(configs).map(([name, value]) => (value === null ? { name } : { name, value }));
}

function configEntriesFromProto(entries: readonly Plain[]): Record<string, string | null> {
  return Object.fromEntries(entries.map((e) => [e.name as string, orNull<string>(e.value)]));
}

function topicErrorToProto(r: TopicErrorResult): Plain {
  return r.errorMessage === null ? { name: r.name, errorCode: r.errorCode } : r;
}

const topicErrorResults: MessageMapping<TopicErrorResult[]> = {
  type: "TopicErrorResults",
  toProto: (results) => ({ results: results.map(topicErrorToProto) }),
  fromProto: (o) => (o.results as Plain[]).map((r) => ({ name: r.name, errorCode: r.errorCode, errorMessage: orNull(r.errorMessage) })),
};

const alterConfigsRequest: MessageMapping<{ readonly resources: readonly AlterConfigsResource[] }> = {
  type: "AlterConfigsRequest",
  toProto: (request) => ({
    resources: request.resources.map((r) => ({
      resourceType: RESOURCE_TYPE_TO_PROTO[r.resourceType],
      resourceName: r.resourceName,
      configs: configEntriesToProto(r.configs),
    })),
  }),
  fromProto: (o, what) => ({
    resources: (o.resources as Plain[]).map((r) => ({
      resourceType: enumFrom(RESOURCE_TYPE_FROM_PROTO, r.resourceType, "resourceType", what),
      resourceName: r.resourceName,
      configs: configEntriesFromProto(r.configs),
    })),
  }),
};

function partitionStateToProto(p: PartitionState): Plain {
  const out: Plain = {
    topicId: p.topicId,
    partitionId: p.partitionId,
    replicas: p.replicas,
    isr: p.isr,
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    partitionEpoch: p.partitionEpoch,
  };
  if (p.addingReplicas) out.addingReplicas = { ids: p.addingReplicas };
  if (p.removingReplicas) out.removingReplicas = { ids: p.removingReplicas };
  return out;
}

function partitionStateFromProto(o: Plain): PartitionState {
  return {
    topicId: o.topicId,
    partitionId: o.partitionId,
    replicas: o.replicas,
    isr: o.isr,
    leader: o.leader,
    leaderEpoch: o.leaderEpoch,
    partitionEpoch: o.partitionEpoch,
    ...(o.addingReplicas ? { addingReplicas: o.addingReplicas.ids as NodeId[] } : {}),
    ...(o.removingReplicas ? { removingReplicas: o.removingReplicas.ids as NodeId[] } : {}),
  };
}

function creatableTopicToProto(t: CreatableTopic): Plain {
  const out: Plain = { name: t.name, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor };
  if (t.assignments !== undefined) out.assignments = { partitions: t.assignments.map((ids) => ({ ids })) };
  if (t.configs !== undefined) out.configs = { entries: configEntriesToProto(t.configs) };
  return out;
}

function creatableTopicFromProto(o: Plain, what: string): CreatableTopic {
  let configs: Record<string, string> | undefined;
  if (o.configs) {
    configs = {};
    for (const e of o.configs.entries as Plain[]) {
      if (e.value == null) throw new ControllerPayloadDecodeError(what, `config ${e.name} of topic ${o.name} has no value`);
      configs[e.name] = e.value;
    }
  }
  return {
    name: o.name,
    numPartitions: o.numPartitions,
    replicationFactor: o.replicationFactor,
    ...(o.assignments ? { assignments: (o.assignments.partitions as Plain[]).map((p) => p.ids as NodeId[]) } : {}),
    ...(configs ? { configs } : {}),
  };
}

function createTopicResultToProto(r: CreateTopicResult): Plain {
  const out: Plain = { name: r.name, errorCode: r.errorCode, numPartitions: r.numPartitions, replicationFactor: r.replicationFactor };
  if (r.topicId !== null) out.topicId = r.topicId;
  if (r.errorMessage !== null) out.errorMessage = r.errorMessage;
  return out;
}

function replicaToProto(r: QuorumReplicaDescription): Plain {
  return { ...r };
}

function replicaFromProto(o: Plain, what: string): QuorumReplicaDescription {
  return {
    replicaId: o.replicaId,
    logEndOffset: int64(o.logEndOffset, "logEndOffset", what),
    lastFetchTimestamp: int64(o.lastFetchTimestamp, "lastFetchTimestamp", what),
    lastCaughtUpTimestamp: int64(o.lastCaughtUpTimestamp, "lastCaughtUpTimestamp", what),
  };
}

// ------------------------------------------------------------------ per operation

export const OPERATION_MESSAGES: { readonly [K in ControllerOperation]: { readonly request: MessageMapping<RequestOf<K>>; readonly response: MessageMapping<ResponseOf<K>> } } = {
  registerBroker: {
    request: {
      type: "RegisterBrokerRequest",
      toProto: (r) => ({ brokerId: r.brokerId, clusterId: r.clusterId, incarnationId: r.incarnationId, endpoints: r.endpoints, ...(r.rack === null ? {} : { rack: r.rack }) }),
      fromProto: (o) => ({
        brokerId: o.brokerId,
        clusterId: o.clusterId,
        incarnationId: o.incarnationId,
        endpoints: (o.endpoints as Plain[]).map((e) => ({ name: e.name, host: e.host, port: e.port, securityProtocol: e.securityProtocol })),
        rack: orNull(o.rack),
      }),
    },
    response: {
      type: "RegisterBrokerResponse",
      toProto: (r) => ({ ...r }),
      fromProto: (o, what) => ({ errorCode: o.errorCode, brokerEpoch: int64(o.brokerEpoch, "brokerEpoch", what) }),
    },
  },
  brokerHeartbeat: {
    request: {
      type: "BrokerHeartbeatRequest",
      toProto: (r) => ({ ...r }),
      fromProto: (o, what) => ({
        brokerId: o.brokerId,
        brokerEpoch: int64(o.brokerEpoch, "brokerEpoch", what),
        currentMetadataOffset: int64(o.currentMetadataOffset, "currentMetadataOffset", what),
        wantFence: o.wantFence,
        wantShutDown: o.wantShutDown,
      }),
    },
    response: {
      type: "BrokerHeartbeatResponse",
      toProto: (r) => ({ ...r }),
      fromProto: (o) => ({ errorCode: o.errorCode, isFenced: o.isFenced, shouldShutDown: o.shouldShutDown }),
    },
  },
  createTopics: {
    request: {
      type: "CreateTopicsRequest",
      toProto: (r) => ({ topics: r.topics.map(creatableTopicToProto), ...(r.validateOnly === undefined ? {} : { validateOnly: r.validateOnly }) }),
      fromProto: (o, what) => ({
        topics: (o.topics as Plain[]).map((t) => creatableTopicFromProto(t, what)),
        ...(o.validateOnly == null ? {} : { validateOnly: o.validateOnly as boolean }),
      }),
    },
    response: {
      type: "CreateTopicsResponse",
      toProto: (results) => ({ results: results.map(createTopicResultToProto) }),
      fromProto: (o) =>
        (o.results as Plain[]).map((r) => ({
          name: r.name,
          topicId: orNull(r.topicId),
          errorCode: r.errorCode,
          errorMessage: orNull(r.errorMessage),
          numPartitions: r.numPartitions,
          replicationFactor: r.replicationFactor,
        })),
    },
  },
  deleteTopics: {
    request: { type: "DeleteTopicsRequest", toProto: (r) => ({ names: r.names }), fromProto: (o) => ({ names: o.names as string[] }) },
    response: topicErrorResults,
  },
  createPartitions: {
    request: {
      type: "CreatePartitionsRequest",
      toProto: (r) => ({ topics: r.topics }),
      fromProto: (o) => ({ topics: (o.topics as Plain[]).map((t) => ({ name: t.name, count: t.count })) }),
    },
    response: topicErrorResults,
  },
  alterConfigs: { request: alterConfigsRequest, response: topicErrorResults },
  incrementalAlterConfigs: { request: alterConfigsRequest, response: topicErrorResults },
  alterPartition: {
    request: {
      type: "AlterPartitionRequest",
      toProto: (r) => ({ ...r }),
      fromProto: (o, what) => ({
        brokerId: o.brokerId,
        brokerEpoch: int64(o.brokerEpoch, "brokerEpoch", what),
        topicId: o.topicId,
        partitionId: o.partitionId,
        leaderEpoch: o.leaderEpoch,
        partitionEpoch: o.partitionEpoch,
        newIsr: o.newIsr,
      }),
    },
    response: {
      type: "AlterPartitionResponse",
      toProto: (r: AlterPartitionResponse) => (r.partition === null ? { errorCode: r.errorCode } : { errorCode: r.errorCode, partition: partitionStateToProto(r.partition) }),
      fromProto: (o) => ({ errorCode: o.errorCode, partition: o.partition ? partitionStateFromProto(o.partition) : null }),
    },
  },
  electLeaders: {
    request: {
      type: "ElectLeadersRequest",
      toProto: (r) => ({ type: ELECTION_TYPE_TO_PROTO[r.type], ...(r.partitions === "all" ? { all: true } : { partitions: { partitions: r.partitions } }) }),
      fromProto: (o, what) => {
        const type = enumFrom(ELECTION_TYPE_FROM_PROTO, o.type, "type", what);
        if (o.scope === "all") return { type, partitions: "all" };
        if (o.scope === "partitions") return { type, partitions: (o.partitions.partitions as Plain[]).map((p) => ({ topicId: p.topicId as string, partitionId: p.partitionId as number })) };
        throw new ControllerPayloadDecodeError(what, "neither partitions nor all");
      },
    },
    response: {
      type: "ElectLeadersResponse",
      toProto: (results) => ({ results }),
      fromProto: (o) => (o.results as Plain[]).map((r) => ({ topicId: r.topicId, partitionId: r.partitionId, errorCode: r.errorCode, leader: r.leader })),
    },
  },
  alterPartitionReassignments: {
    request: {
      type: "AlterPartitionReassignmentsRequest",
      toProto: (r) => ({
        topics: r.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => (p.replicas === null ? { partitionId: p.partitionId } : { partitionId: p.partitionId, replicas: { ids: p.replicas } })),
        })),
      }),
      fromProto: (o) => ({
        topics: (o.topics as Plain[]).map((t) => ({
          name: t.name as string,
          partitions: (t.partitions as Plain[]).map((p) => ({ partitionId: p.partitionId as number, replicas: p.replicas ? (p.replicas.ids as NodeId[]) : null })),
        })),
      }),
    },
    response: {
      type: "AlterPartitionReassignmentsResponse",
      toProto: (results) => ({
        results: results.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => (p.errorMessage === null ? { partitionId: p.partitionId, errorCode: p.errorCode } : p)),
        })),
      }),
      fromProto: (o) =>
        (o.results as Plain[]).map((t) => ({
          name: t.name,
          partitions: (t.partitions as Plain[]).map((p) => ({ partitionId: p.partitionId, errorCode: p.errorCode, errorMessage: orNull(p.errorMessage) })),
        })),
    },
  },
  listPartitionReassignments: {
    request: {
      type: "ListPartitionReassignmentsRequest",
      toProto: (r) => (r.topics === null ? {} : { topics: { topics: r.topics } }),
      fromProto: (o) => ({
        topics: o.topics ? (o.topics.topics as Plain[]).map((t) => ({ name: t.name as string, partitionIds: t.partitionIds as number[] })) : null,
      }),
    },
    response: {
      type: "ListPartitionReassignmentsResponse",
      toProto: (reassignments) => ({ reassignments }),
      fromProto: (o) =>
        (o.reassignments as Plain[]).map((r) => ({
          name: r.name,
          partitionId: r.partitionId,
          replicas: r.replicas,
          addingReplicas: r.addingReplicas,
          removingReplicas: r.removingReplicas,
        })),
    },
  },
  allocateProducerIds: {
    request: {
      type: "AllocateProducerIdsRequest",
      toProto: (r) => ({ ...r }),
      fromProto: (o, what) => ({ brokerId: o.brokerId, brokerEpoch: int64(o.brokerEpoch, "brokerEpoch", what) }),
    },
    response: {
      type: "AllocateProducerIdsResponse",
      toProto: (r) => ({ ...r }),
      fromProto: (o, what) => ({ errorCode: o.errorCode, firstProducerId: int64(o.firstProducerId, "firstProducerId", what), count: o.count }),
    },
  },
  describeQuorum: {
    request: { type: "DescribeQuorumRequest", toProto: () => ({}), fromProto: () => ({}) },
    response: {
      type: "DescribeQuorumResponse",
      toProto: (q) => ({ ...q, voters: q.voters.map(replicaToProto), observers: q.observers.map(replicaToProto) }),
      fromProto: (o, what) => ({
        leaderId: o.leaderId,
        leaderEpoch: o.leaderEpoch,
        highWatermark: int64(o.highWatermark, "highWatermark", what),
        voters: (o.voters as Plain[]).map((r) => replicaFromProto(r, what)),
        observers: (o.observers as Plain[]).map((r) => replicaFromProto(r, what)),
      }),
    },
  },
};
