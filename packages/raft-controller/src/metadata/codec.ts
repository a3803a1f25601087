import type protobuf from "protobufjs";
import { loadProto, PLAIN_OBJECT } from "../proto/load.js";
import type { BrokerEndpoint, MetadataRecord } from "./records.js";

export class MetadataDecodeError extends Error {
  readonly code = "METADATA_DECODE_ERROR";
  constructor(message: string) {
    super(message);
    this.name = "MetadataDecodeError";
  }
}

let types: { record: protobuf.Type; snapshot: protobuf.Type } | null = null;

function protoTypes(): { record: protobuf.Type; snapshot: protobuf.Type } {
  if (!types) {
    const root = loadProto("metadata.proto");
    types = { record: root.lookupType("samsa.metadata.MetadataRecord"), snapshot: root.lookupType("samsa.metadata.MetadataSnapshot") };
  }
  return types;
}

const RESOURCE_TO_PROTO = { topic: "CONFIG_RESOURCE_TOPIC", broker: "CONFIG_RESOURCE_BROKER" } as const;

function toProto(record: MetadataRecord): Record<string, unknown> {
  switch (record.type) {
    case "RegisterBroker":
      return {
        registerBroker: {
          brokerId: record.brokerId,
          incarnationId: record.incarnationId,
          brokerEpoch: record.brokerEpoch,
          endpoints: record.endpoints.map((e) => ({ ...e })),
          ...(record.rack !== null ? { rack: record.rack } : {}),
        },
      };
    case "FenceBroker":
      return { fenceBroker: { brokerId: record.brokerId, brokerEpoch: record.brokerEpoch } };
    case "UnfenceBroker":
      return { unfenceBroker: { brokerId: record.brokerId, brokerEpoch: record.brokerEpoch } };
    case "Topic":
      return { topic: { name: record.name, topicId: record.topicId } };
    case "Partition": {
      const { type: _type, ...fields } = record;
      return {
        partition: {
          ...fields,
          replicas: [...record.replicas],
          isr: [...record.isr],
          addingReplicas: [...(record.addingReplicas ?? [])],
          removingReplicas: [...(record.removingReplicas ?? [])],
        },
      };
    }
    case "PartitionChange":
      return {
        partitionChange: {
          topicId: record.topicId,
          partitionId: record.partitionId,
          ...(record.leader !== null ? { leader: record.leader } : {}),
          ...(record.isr !== null ? { isr: { ids: [...record.isr] } } : {}),
          ...(record.replicas !== null ? { replicas: { ids: [...record.replicas] } } : {}),
          ...(record.addingReplicas != null ? { addingReplicas: { ids: [...record.addingReplicas] } } : {}),
          ...(record.removingReplicas != null ? { removingReplicas: { ids: [...record.removingReplicas] } } : {}),
        },
      };
    case "Config":
      return {
        config: {
          resourceType: RESOURCE_TO_PROTO[record.resourceType],
          resourceName: record.resourceName,
          name: record.name,
          ...(record.value !== null ? { value: record.value } : {}),
        },
      };
    case "RemoveTopic":
      return { removeTopic: { topicId: record.topicId } };
    case "ProducerIds":
      return { producerIds: { brokerId: record.brokerId, brokerEpoch: record.brokerEpoch, nextProducerId: record.nextProducerId } };
    case "NoOp":
      return { noOp: {} };
  }
}

function safeInt(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new MetadataDecodeError(`${field} is not a safe integer: ${String(value)}`);
  return value;
}

type Plain = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function fromProto(message: Plain): MetadataRecord {
  switch (message.record as string | undefined) {
    case "registerBroker": {
      const r = message.registerBroker as Plain;
      return {
        type: "RegisterBroker",
        brokerId: r.brokerId,
        incarnationId: r.incarnationId,
        brokerEpoch: safeInt(r.brokerEpoch, "brokerEpoch"),
        endpoints: (r.endpoints as Plain[]).map((e): BrokerEndpoint => ({ name: e.name, host: e.host, port: e.port, securityProtocol: e.securityProtocol })),
        rack: r.rack ?? null,
      };
    }
    case "fenceBroker":
      return { type: "FenceBroker", brokerId: message.fenceBroker.brokerId, brokerEpoch: safeInt(message.fenceBroker.brokerEpoch, "brokerEpoch") };
    case "unfenceBroker":
      return { type: "UnfenceBroker", brokerId: message.unfenceBroker.brokerId, brokerEpoch: safeInt(message.unfenceBroker.brokerEpoch, "brokerEpoch") };
    case "topic":
      return { type: "Topic", name: message.topic.name, topicId: message.topic.topicId };
    case "partition": {
      const p = message.partition as Plain;
      return {
        type: "Partition",
        topicId: p.topicId,
        partitionId: p.partitionId,
        replicas: p.replicas,
        isr: p.isr,
        leader: p.leader,
        leaderEpoch: p.leaderEpoch,
        partitionEpoch: p.partitionEpoch,
        ...(p.addingReplicas?.length > 0 ? { addingReplicas: p.addingReplicas } : {}),
        ...(p.removingReplicas?.length > 0 ? { removingReplicas: p.removingReplicas } : {}),
      };
    }
    case "partitionChange": {
      const c = message.partitionChange as Plain;
      return {
        type: "PartitionChange",
        topicId: c.topicId,
        partitionId: c.partitionId,
        leader: c.leader ?? null,
        isr: c.isr ? c.isr.ids : null,
        replicas: c.replicas ? c.replicas.ids : null,
        ...(c.addingReplicas ? { addingReplicas: c.addingReplicas.ids } : {}),
        ...(c.removingReplicas ? { removingReplicas: c.removingReplicas.ids } : {}),
      };
    }
    case "config": {
      const c = message.config as Plain;
      const resourceType = c.resourceType === "CONFIG_RESOURCE_TOPIC" ? "topic" : c.resourceType === "CONFIG_RESOURCE_BROKER" ? "broker" : null;
      if (!resourceType) throw new MetadataDecodeError(`unknown config resource type ${String(c.resourceType)}`);
      return { type: "Config", resourceType, resourceName: c.resourceName, name: c.name, value: c.value ?? null };
    }
    case "removeTopic":
      return { type: "RemoveTopic", topicId: message.removeTopic.topicId };
    case "producerIds": {
      const p = message.producerIds as Plain;
      return { type: "ProducerIds", brokerId: p.brokerId, brokerEpoch: safeInt(p.brokerEpoch, "brokerEpoch"), nextProducerId: safeInt(p.nextProducerId, "nextProducerId") };
    }
    case "noOp":
      return { type: "NoOp" };
    default:
      throw new MetadataDecodeError(`metadata record without a known type: ${String(message.record)}`);
  }
}

/** Conversion options that keep proto3 `optional` fields absent (not defaulted) when unset. */
const DECODE_OPTIONS = { ...PLAIN_OBJECT, defaults: false };

function withDefaults(plain: Plain): Plain {
  // Fill the defaults `defaults: false` left out, except the optional fields whose absence means "unchanged".
  const r = plain.record as string | undefined;
  if (!r) return plain;
  const inner = (plain[r] ?? {}) as Plain;
  const defaults: Record<string, Plain> = {
    registerBroker: { brokerId: 0, incarnationId: "", brokerEpoch: 0, endpoints: [] },
    fenceBroker: { brokerId: 0, brokerEpoch: 0 },
    unfenceBroker: { brokerId: 0, brokerEpoch: 0 },
    topic: { name: "", topicId: "" },
    partition: { topicId: "", partitionId: 0, replicas: [], isr: [], leader: 0, leaderEpoch: 0, partitionEpoch: 0 },
    partitionChange: { topicId: "", partitionId: 0 },
    config: { resourceType: "CONFIG_RESOURCE_UNKNOWN", resourceName: "", name: "" },
    removeTopic: { topicId: "" },
    producerIds: { brokerId: 0, brokerEpoch: 0, nextProducerId: 0 },
    noOp: {},
  };
  const filled: Plain = { ...(defaults[r] ?? {}), ...inner };
  for (const list of ["isr", "replicas", "addingReplicas", "removingReplicas"]) if (filled[list] && !Array.isArray(filled[list])) filled[list] = { ids: filled[list].ids ?? [] };
  for (const e of (filled.endpoints as Plain[] | undefined) ?? []) {
    e.name ??= "";
    e.host ??= "";
    e.port ??= 0;
    e.securityProtocol ??= "";
  }
  return { ...plain, [r]: filled };
}

export function encodeMetadataRecord(record: MetadataRecord): Uint8Array {
  const { record: type } = protoTypes();
  return type.encode(type.fromObject(toProto(record))).finish();
}

export function decodeMetadataRecord(bytes: Uint8Array): MetadataRecord {
  const { record: type } = protoTypes();
  let message: protobuf.Message;
  try {
    message = type.decode(bytes);
  } catch (error) {
    throw new MetadataDecodeError(`undecodable metadata record: ${(error as Error).message}`);
  }
  return fromProto(withDefaults(type.toObject(message, DECODE_OPTIONS)));
}

export function encodeMetadataSnapshot(endOffset: number, records: readonly MetadataRecord[]): Uint8Array {
  const { snapshot } = protoTypes();
  return snapshot.encode(snapshot.fromObject({ endOffset, records: records.map(toProto) })).finish();
}

export function decodeMetadataSnapshot(bytes: Uint8Array): { endOffset: number; records: MetadataRecord[] } {
  const { snapshot } = protoTypes();
  let plain: Plain;
  try {
    plain = snapshot.toObject(snapshot.decode(bytes), DECODE_OPTIONS);
  } catch (error) {
    throw new MetadataDecodeError(`undecodable metadata snapshot: ${(error as Error).message}`);
  }
  return { endOffset: safeInt(plain.endOffset ?? 0, "endOffset"), records: ((plain.records as Plain[]) ?? []).map((r) => fromProto(withDefaults(r))) };
}
