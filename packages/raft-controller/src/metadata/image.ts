import { assert } from "../raft/assert.js";
import type { NodeId } from "../raft/types.js";
import { NO_LEADER, type BrokerEndpoint, type ConfigResourceType, type MetadataRecord } from "./records.js";

export interface BrokerRegistration {
  readonly id: NodeId;
  readonly incarnationId: string;
  readonly epoch: number;
  readonly endpoints: readonly BrokerEndpoint[];
  readonly rack: string | null;
  readonly fenced: boolean;
  /** Log offset of the registration record; a broker is caught up once its metadata offset reaches it. */
  readonly registeredAtOffset: number;
}

export interface PartitionState {
  readonly topicId: string;
  readonly partitionId: number;
  readonly replicas: readonly NodeId[];
  readonly isr: readonly NodeId[];
  readonly leader: NodeId;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  /** KIP-455: while a reassignment is in progress, the replicas it adds and removes (both absent otherwise). */
  readonly addingReplicas?: readonly NodeId[];
  readonly removingReplicas?: readonly NodeId[];
}

/** The reassignment fields of a partition state: present only while a reassignment is in progress. */
export function reassignmentFields(adding: readonly NodeId[], removing: readonly NodeId[]): { addingReplicas?: readonly NodeId[]; removingReplicas?: readonly NodeId[] } {
  return adding.length === 0 && removing.length === 0 ? {} : { addingReplicas: adding, removingReplicas: removing };
}

/** True while a reassignment of `p` is in progress. */
export function isReassigning(p: PartitionState): boolean {
  return (p.addingReplicas?.length ?? 0) > 0 || (p.removingReplicas?.length ?? 0) > 0;
}

export interface TopicImage {
  readonly id: string;
  readonly name: string;
  readonly partitions: ReadonlyMap<number, PartitionState>;
}

export function configKey(resourceType: ConfigResourceType, resourceName: string): string {
  return `${resourceType}:${resourceName}`;
}

/**
 * The cluster metadata as of one log offset. Immutable: `replay` returns a new image
 * that shares every unchanged map with this one, so the active controller can keep
 * the committed image while it computes on a speculative one.
 */
export class MetadataImage {
  static readonly EMPTY = new MetadataImage(-1, new Map(), new Map(), new Map(), new Map(), 0, 0);

  private constructor(
    /** Offset of the last record replayed, -1 for the empty image. */
    readonly offset: number,
    readonly brokers: ReadonlyMap<NodeId, BrokerRegistration>,
    readonly topicsById: ReadonlyMap<string, TopicImage>,
    readonly topicIdsByName: ReadonlyMap<string, string>,
    /** configKey(type, name) -> key -> value. */
    readonly configs: ReadonlyMap<string, ReadonlyMap<string, string>>,
    readonly nextProducerId: number,
    /** Highest broker epoch handed out; new registrations get a larger one. */
    readonly lastBrokerEpoch: number,
  ) {}

  topic(name: string): TopicImage | undefined {
    const id = this.topicIdsByName.get(name);
    return id === undefined ? undefined : this.topicsById.get(id);
  }

  partition(topicId: string, partitionId: number): PartitionState | undefined {
    return this.topicsById.get(topicId)?.partitions.get(partitionId);
  }

  config(resourceType: ConfigResourceType, resourceName: string, key: string): string | undefined {
    return this.configs.get(configKey(resourceType, resourceName))?.get(key);
  }

  unfencedBrokers(): BrokerRegistration[] {
    return [...this.brokers.values()].filter((b) => !b.fenced).sort((a, b) => a.id - b.id);
  }

  isUnfenced(id: NodeId): boolean {
    const broker = this.brokers.get(id);
    return broker !== undefined && !broker.fenced;
  }

  replay(record: MetadataRecord, offset: number): MetadataImage {
    assert(offset > this.offset, `replay of offset ${offset} after ${this.offset}`);
    let { brokers, topicsById, topicIdsByName, configs, nextProducerId, lastBrokerEpoch } = this;
    switch (record.type) {
      case "RegisterBroker":
        brokers = withEntry(brokers, record.brokerId, {
          id: record.brokerId,
          incarnationId: record.incarnationId,
          epoch: record.brokerEpoch,
          endpoints: record.endpoints,
          rack: record.rack,
          fenced: true,
          registeredAtOffset: offset,
        });
        lastBrokerEpoch = Math.max(lastBrokerEpoch, record.brokerEpoch);
        break;
      case "FenceBroker":
      case "UnfenceBroker": {
        const broker = brokers.get(record.brokerId);
        if (broker && broker.epoch === record.brokerEpoch) {
          brokers = withEntry(brokers, broker.id, { ...broker, fenced: record.type === "FenceBroker" });
        }
        break;
      }
      case "Topic":
        topicsById = withEntry(topicsById, record.topicId, { id: record.topicId, name: record.name, partitions: new Map() });
        topicIdsByName = withEntry(topicIdsByName, record.name, record.topicId);
        break;
      case "Partition": {
        const topic = topicsById.get(record.topicId);
        if (!topic) break;
        const { type: _type, addingReplicas, removingReplicas, ...base } = record;
        const state: PartitionState = { ...base, ...reassignmentFields(addingReplicas ?? [], removingReplicas ?? []) };
        topicsById = withEntry(topicsById, topic.id, { ...topic, partitions: withEntry(topic.partitions, record.partitionId, state) });
        break;
      }
      case "PartitionChange": {
        const topic = topicsById.get(record.topicId);
        const current = topic?.partitions.get(record.partitionId);
        if (!topic || !current) break;
        const leaderChanged = record.leader !== null && record.leader !== current.leader;
        const { addingReplicas, removingReplicas, ...base } = current;
        const next: PartitionState = {
          ...base,
          ...reassignmentFields(record.addingReplicas ?? addingReplicas ?? [], record.removingReplicas ?? removingReplicas ?? []),
          leader: record.leader ?? current.leader,
          isr: record.isr ?? current.isr,
          replicas: record.replicas ?? current.replicas,
          leaderEpoch: leaderChanged ? current.leaderEpoch + 1 : current.leaderEpoch,
          partitionEpoch: current.partitionEpoch + 1,
        };
        topicsById = withEntry(topicsById, topic.id, { ...topic, partitions: withEntry(topic.partitions, record.partitionId, next) });
        break;
      }
      case "Config": {
        const key = configKey(record.resourceType, record.resourceName);
        const current = configs.get(key) ?? new Map<string, string>();
        const next = record.value === null ? withoutEntry(current, record.name) : withEntry(current, record.name, record.value);
        configs = next.size === 0 ? withoutEntry(configs, key) : withEntry(configs, key, next);
        break;
      }
      case "RemoveTopic": {
        const topic = topicsById.get(record.topicId);
        if (!topic) break;
        topicsById = withoutEntry(topicsById, topic.id);
        topicIdsByName = withoutEntry(topicIdsByName, topic.name);
        configs = withoutEntry(configs, configKey("topic", topic.name));
        break;
      }
      case "ProducerIds":
        nextProducerId = Math.max(nextProducerId, record.nextProducerId);
        break;
      case "NoOp":
        break;
    }
    return new MetadataImage(offset, brokers, topicsById, topicIdsByName, configs, nextProducerId, lastBrokerEpoch);
  }

  replayAll(records: readonly MetadataRecord[], firstOffset: number): MetadataImage {
    let image: MetadataImage = this;
    records.forEach((record, i) => {
      image = image.replay(record, firstOffset + i);
    });
    return image;
  }

  /**
   * The records that rebuild this image from empty, for snapshots. Replaying them
   * yields the same brokers, topics, partitions, configs and producer-id block.
   */
  toRecords(): MetadataRecord[] {
    const out: MetadataRecord[] = [];
    for (const b of [...this.brokers.values()].sort((x, y) => x.id - y.id)) {
      out.push({ type: "RegisterBroker", brokerId: b.id, incarnationId: b.incarnationId, brokerEpoch: b.epoch, endpoints: b.endpoints, rack: b.rack });
      if (!b.fenced) out.push({ type: "UnfenceBroker", brokerId: b.id, brokerEpoch: b.epoch });
    }
    for (const topic of this.topicsById.values()) {
      out.push({ type: "Topic", name: topic.name, topicId: topic.id });
      for (const p of topic.partitions.values()) out.push({ type: "Partition", ...p });
    }
    for (const [key, values] of this.configs) {
      const at = key.indexOf(":");
      const resourceType = key.slice(0, at) as ConfigResourceType;
      for (const [name, value] of values) out.push({ type: "Config", resourceType, resourceName: key.slice(at + 1), name, value });
    }
    if (this.nextProducerId > 0) out.push({ type: "ProducerIds", brokerId: -1, brokerEpoch: -1, nextProducerId: this.nextProducerId });
    return out;
  }

  /** Rebuilds an image from snapshot records; registration offsets and the broker-epoch counter are carried over. */
  static fromSnapshot(records: readonly MetadataRecord[], endOffset: number): MetadataImage {
    let image = MetadataImage.EMPTY;
    let lastBrokerEpoch = 0;
    const base = endOffset - records.length - 1;
    records.forEach((record, i) => {
      image = image.replay(record, base + i + 1);
      if (record.type === "RegisterBroker") lastBrokerEpoch = Math.max(lastBrokerEpoch, record.brokerEpoch);
    });
    // Brokers restored from a snapshot count as registered before it: they are caught up once past it.
    const brokers = new Map([...image.brokers].map(([id, b]) => [id, { ...b, registeredAtOffset: endOffset - 1 }]));
    return new MetadataImage(endOffset - 1, brokers, image.topicsById, image.topicIdsByName, image.configs, image.nextProducerId, lastBrokerEpoch);
  }
}

function withEntry<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): Map<K, V> {
  const next = new Map(map);
  next.set(key, value);
  return next;
}

function withoutEntry<K, V>(map: ReadonlyMap<K, V>, key: K): Map<K, V> {
  const next = new Map(map);
  next.delete(key);
  return next;
}

export { NO_LEADER };
