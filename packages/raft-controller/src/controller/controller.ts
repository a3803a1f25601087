import { configKey, type MetadataImage, type PartitionState } from "../metadata/image.js";
import { NO_LEADER, type BrokerEndpoint, type ConfigResourceType, type MetadataRecord } from "../metadata/records.js";
import type { NodeId } from "../raft/types.js";
import { KafkaErrorCode } from "./errors.js";
import { assignReplicas } from "./placement.js";
import { completionIfReady } from "./reassignment.js";
import type { ControllerResult } from "./result.js";

// Every function here is pure: it reads an image and returns the records to commit
// plus the response to send once they are committed.

export const UNCLEAN_LEADER_ELECTION_CONFIG = "unclean.leader.election.enable";
export const PRODUCER_ID_BLOCK_SIZE = 1000;
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

// ------------------------------------------------------------------ brokers

export interface RegisterBrokerRequest {
  readonly brokerId: NodeId;
  readonly clusterId: string;
  readonly incarnationId: string;
  readonly endpoints: readonly BrokerEndpoint[];
  readonly rack: string | null;
}

export interface RegisterBrokerResponse {
  readonly errorCode: number;
  readonly brokerEpoch: number;
}

/**
 * A broker registers with its incarnation id. A different incarnation of a broker
 * that is still alive (unfenced, heartbeating) is refused, so two processes with
 * the same node.id never both serve.
 */
export function registerBroker(
  image: MetadataImage,
  request: RegisterBrokerRequest,
  context: { readonly clusterId: string; readonly isAlive: (brokerId: NodeId) => boolean },
): ControllerResult<RegisterBrokerResponse> {
  if (request.clusterId !== context.clusterId) {
    return { records: [], response: { errorCode: KafkaErrorCode.INCONSISTENT_CLUSTER_ID, brokerEpoch: -1 } };
  }
  const existing = image.brokers.get(request.brokerId);
  if (existing && existing.incarnationId === request.incarnationId) {
    return { records: [], response: { errorCode: KafkaErrorCode.NONE, brokerEpoch: existing.epoch } };
  }
  if (existing && !existing.fenced && context.isAlive(request.brokerId)) {
    return { records: [], response: { errorCode: KafkaErrorCode.DUPLICATE_BROKER_REGISTRATION, brokerEpoch: -1 } };
  }
  const brokerEpoch = image.lastBrokerEpoch + 1;
  const records: MetadataRecord[] = [
    {
      type: "RegisterBroker",
      brokerId: request.brokerId,
      incarnationId: request.incarnationId,
      brokerEpoch,
      endpoints: request.endpoints,
      rack: request.rack,
    },
  ];
  // A new incarnation is fenced on registration: move leadership off it like any fence.
  if (existing) records.push(...partitionChangesForFence(image, request.brokerId));
  return { records, response: { errorCode: KafkaErrorCode.NONE, brokerEpoch } };
}

export interface BrokerHeartbeatRequest {
  readonly brokerId: NodeId;
  readonly brokerEpoch: number;
  readonly currentMetadataOffset: number;
  readonly wantFence: boolean;
  readonly wantShutDown: boolean;
}

export interface BrokerHeartbeatResponse {
  readonly errorCode: number;
  readonly isFenced: boolean;
  readonly shouldShutDown: boolean;
}

/** A heartbeat unfences a broker once its metadata offset reaches its registration; it fences on request. */
export function brokerHeartbeat(image: MetadataImage, request: BrokerHeartbeatRequest): ControllerResult<BrokerHeartbeatResponse> {
  const broker = image.brokers.get(request.brokerId);
  if (!broker) return { records: [], response: { errorCode: KafkaErrorCode.BROKER_ID_NOT_REGISTERED, isFenced: true, shouldShutDown: false } };
  if (broker.epoch !== request.brokerEpoch) {
    return { records: [], response: { errorCode: KafkaErrorCode.STALE_BROKER_EPOCH, isFenced: true, shouldShutDown: false } };
  }
  if (request.wantFence || request.wantShutDown) {
    const records = broker.fenced ? [] : fenceBroker(image, broker.id).records;
    return { records, response: { errorCode: KafkaErrorCode.NONE, isFenced: true, shouldShutDown: request.wantShutDown } };
  }
  if (broker.fenced && request.currentMetadataOffset >= broker.registeredAtOffset) {
    return {
      records: [{ type: "UnfenceBroker", brokerId: broker.id, brokerEpoch: broker.epoch }],
      response: { errorCode: KafkaErrorCode.NONE, isFenced: false, shouldShutDown: false },
    };
  }
  return { records: [], response: { errorCode: KafkaErrorCode.NONE, isFenced: broker.fenced, shouldShutDown: false } };
}

/** Fences a broker and moves leadership and ISR membership off it. */
export function fenceBroker(image: MetadataImage, brokerId: NodeId): ControllerResult<void> {
  const broker = image.brokers.get(brokerId);
  if (!broker || broker.fenced) return { records: [], response: undefined };
  return {
    records: [{ type: "FenceBroker", brokerId, brokerEpoch: broker.epoch }, ...partitionChangesForFence(image, brokerId)],
    response: undefined,
  };
}

/** Brokers whose session expired (no heartbeat for broker.session.timeout.ms) get fenced. */
export function fenceExpiredBrokers(image: MetadataImage, expired: readonly NodeId[]): ControllerResult<NodeId[]> {
  let current = image;
  const records: MetadataRecord[] = [];
  const fenced: NodeId[] = [];
  for (const id of expired) {
    const result = fenceBroker(current, id);
    if (result.records.length === 0) continue;
    records.push(...result.records);
    // Later fences must see earlier ones (a partition losing two leaders in one batch).
    current = current.replayAll(result.records, current.offset + 1);
    fenced.push(id);
  }
  return { records, response: fenced };
}

function allowsUncleanElection(image: MetadataImage, topicName: string): boolean {
  const value = image.config("topic", topicName, UNCLEAN_LEADER_ELECTION_CONFIG) ?? image.config("broker", "", UNCLEAN_LEADER_ELECTION_CONFIG);
  return value === "true";
}

/** A leader from the ISR (first in replica order) among unfenced brokers; an out-of-sync replica only when `unclean`. */
export function chooseLeader(image: MetadataImage, partition: PartitionState, isr: readonly NodeId[], unclean: boolean, excluded: NodeId | null): { leader: NodeId; unclean: boolean } {
  const eligible = (id: NodeId) => id !== excluded && image.isUnfenced(id);
  const fromIsr = partition.replicas.find((id) => isr.includes(id) && eligible(id));
  if (fromIsr !== undefined) return { leader: fromIsr, unclean: false };
  if (unclean) {
    const any = partition.replicas.find(eligible);
    if (any !== undefined) return { leader: any, unclean: true };
  }
  return { leader: NO_LEADER, unclean: false };
}

function partitionChangesForFence(image: MetadataImage, brokerId: NodeId): MetadataRecord[] {
  const records: MetadataRecord[] = [];
  for (const topic of image.topicsById.values()) {
    for (const p of topic.partitions.values()) {
      if (!p.isr.includes(brokerId) && p.leader !== brokerId) continue;
      // The ISR never becomes empty: the last member stays, so it can lead again cleanly when it returns.
      const shrunk = p.isr.filter((id) => id !== brokerId);
      const isr = shrunk.length > 0 ? shrunk : p.isr;
      let leader: NodeId | null = null;
      let finalIsr = isr;
      if (p.leader === brokerId || p.leader === NO_LEADER) {
        const choice = chooseLeader(image, p, isr, allowsUncleanElection(image, topic.name), brokerId);
        leader = choice.leader;
        if (choice.unclean) finalIsr = [choice.leader];
      }
      const isrChanged = !sameIds(finalIsr, p.isr);
      if (!isrChanged && (leader === null || leader === p.leader)) continue;
      records.push({
        type: "PartitionChange",
        topicId: topic.id,
        partitionId: p.partitionId,
        leader: leader !== null && leader !== p.leader ? leader : null,
        isr: isrChanged ? finalIsr : null,
        replicas: null,
      });
    }
  }
  return records;
}

function sameIds(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

// ------------------------------------------------------------------ topics

export interface CreatableTopic {
  readonly name: string;
  /** -1: use the default. */
  readonly numPartitions: number;
  readonly replicationFactor: number;
  /** Explicit assignment, partition index -> replicas; overrides the counts. */
  readonly assignments?: readonly (readonly NodeId[])[];
  readonly configs?: Readonly<Record<string, string>>;
}

export interface CreateTopicResult {
  readonly name: string;
  readonly topicId: string | null;
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly numPartitions: number;
  readonly replicationFactor: number;
}

export interface CreateTopicsContext {
  readonly defaultPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly newTopicId: () => string;
  readonly validateOnly?: boolean;
}

export function createTopics(image: MetadataImage, topics: readonly CreatableTopic[], context: CreateTopicsContext): ControllerResult<CreateTopicResult[]> {
  let current = image;
  const records: MetadataRecord[] = [];
  const results: CreateTopicResult[] = [];
  const fail = (t: CreatableTopic, errorCode: number, errorMessage: string) =>
    results.push({ name: t.name, topicId: null, errorCode, errorMessage, numPartitions: -1, replicationFactor: -1 });
  const seen = new Set<string>();
  for (const t of topics) {
    if (seen.has(t.name)) {
      fail(t, KafkaErrorCode.INVALID_REQUEST, `topic ${t.name} appears twice in the request`);
      continue;
    }
    seen.add(t.name);
    if (!TOPIC_NAME.test(t.name) || t.name === "." || t.name === "..") {
      fail(t, KafkaErrorCode.INVALID_TOPIC_EXCEPTION, `invalid topic name ${JSON.stringify(t.name)}`);
      continue;
    }
    if (current.topic(t.name)) {
      fail(t, KafkaErrorCode.TOPIC_ALREADY_EXISTS, `topic ${t.name} already exists`);
      continue;
    }
    let assignments: NodeId[][];
    if (t.assignments && t.assignments.length > 0) {
      const bad = t.assignments.find((replicas) => replicas.length === 0 || new Set(replicas).size !== replicas.length || replicas.some((id) => !current.brokers.has(id)));
      if (bad) {
        fail(t, KafkaErrorCode.INVALID_REPLICA_ASSIGNMENT, `invalid replica assignment ${JSON.stringify(bad)}`);
        continue;
      }
      assignments = t.assignments.map((r) => [...r]);
    } else {
      const partitions = t.numPartitions === -1 ? context.defaultPartitions : t.numPartitions;
      const rf = t.replicationFactor === -1 ? context.defaultReplicationFactor : t.replicationFactor;
      if (partitions <= 0) {
        fail(t, KafkaErrorCode.INVALID_PARTITIONS, `number of partitions must be positive, got ${partitions}`);
        continue;
      }
      const available = current.unfencedBrokers().length;
      if (rf <= 0 || rf > available) {
        fail(t, KafkaErrorCode.INVALID_REPLICATION_FACTOR, `replication factor ${rf} with ${available} available brokers`);
        continue;
      }
      assignments = assignReplicas(current, partitions, rf);
    }
    const topicId = context.newTopicId();
    const topicRecords: MetadataRecord[] = [{ type: "Topic", name: t.name, topicId }];
    assignments.forEach((replicas, partitionId) => {
      const isr = replicas.filter((id) => current.isUnfenced(id));
      topicRecords.push({
        type: "Partition",
        topicId,
        partitionId,
        replicas,
        isr: isr.length > 0 ? isr : replicas,
        leader: isr[0] ?? NO_LEADER,
        leaderEpoch: 0,
        partitionEpoch: 0,
      });
    });
    for (const [name, value] of Object.entries(t.configs ?? {})) {
      topicRecords.push({ type: "Config", resourceType: "topic", resourceName: t.name, name, value });
    }
    if (!context.validateOnly) {
      records.push(...topicRecords);
      current = current.replayAll(topicRecords, current.offset + 1);
    }
    results.push({ name: t.name, topicId, errorCode: KafkaErrorCode.NONE, errorMessage: null, numPartitions: assignments.length, replicationFactor: assignments[0]!.length });
  }
  return { records, response: results };
}

export interface TopicErrorResult {
  readonly name: string;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export function deleteTopics(image: MetadataImage, names: readonly string[]): ControllerResult<TopicErrorResult[]> {
  const records: MetadataRecord[] = [];
  const results: TopicErrorResult[] = [];
  const removed = new Set<string>();
  for (const name of names) {
    const topic = image.topic(name);
    if (!topic || removed.has(topic.id)) {
      results.push({ name, errorCode: KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `unknown topic ${name}` });
      continue;
    }
    removed.add(topic.id);
    records.push({ type: "RemoveTopic", topicId: topic.id });
    results.push({ name, errorCode: KafkaErrorCode.NONE, errorMessage: null });
  }
  return { records, response: results };
}

export function createPartitions(image: MetadataImage, requests: readonly { name: string; count: number }[]): ControllerResult<TopicErrorResult[]> {
  let current = image;
  const records: MetadataRecord[] = [];
  const results: TopicErrorResult[] = [];
  for (const { name, count } of requests) {
    const topic = current.topic(name);
    if (!topic) {
      results.push({ name, errorCode: KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `unknown topic ${name}` });
      continue;
    }
    const existing = topic.partitions.size;
    if (count <= existing) {
      results.push({ name, errorCode: KafkaErrorCode.INVALID_PARTITIONS, errorMessage: `topic ${name} has ${existing} partitions; cannot set ${count}` });
      continue;
    }
    const rf = topic.partitions.get(0)?.replicas.length ?? 1;
    if (rf > current.unfencedBrokers().length) {
      results.push({ name, errorCode: KafkaErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: `replication factor ${rf} exceeds available brokers` });
      continue;
    }
    const added: MetadataRecord[] = assignReplicas(current, count - existing, rf).map((replicas, i) => ({
      type: "Partition",
      topicId: topic.id,
      partitionId: existing + i,
      replicas,
      isr: replicas,
      leader: replicas[0]!,
      leaderEpoch: 0,
      partitionEpoch: 0,
    }));
    records.push(...added);
    current = current.replayAll(added, current.offset + 1);
    results.push({ name, errorCode: KafkaErrorCode.NONE, errorMessage: null });
  }
  return { records, response: results };
}

export interface AlterConfigsResource {
  readonly resourceType: ConfigResourceType;
  readonly resourceName: string;
  /** null deletes the key. */
  readonly configs: Readonly<Record<string, string | null>>;
}

export function alterConfigs(image: MetadataImage, resources: readonly AlterConfigsResource[]): ControllerResult<TopicErrorResult[]> {
  const records: MetadataRecord[] = [];
  const results: TopicErrorResult[] = [];
  for (const r of resources) {
    if (r.resourceType === "topic" && !image.topic(r.resourceName)) {
      results.push({ name: r.resourceName, errorCode: KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `unknown topic ${r.resourceName}` });
      continue;
    }
    if (r.resourceType === "broker" && r.resourceName !== "" && !image.brokers.has(Number(r.resourceName))) {
      results.push({ name: r.resourceName, errorCode: KafkaErrorCode.INVALID_REQUEST, errorMessage: `unknown broker ${r.resourceName}` });
      continue;
    }
    const current = image.configs.get(configKey(r.resourceType, r.resourceName));
    for (const [name, value] of Object.entries(r.configs)) {
      if (value === null && !current?.has(name)) continue;
      records.push({ type: "Config", resourceType: r.resourceType, resourceName: r.resourceName, name, value });
    }
    results.push({ name: r.resourceName, errorCode: KafkaErrorCode.NONE, errorMessage: null });
  }
  return { records, response: results };
}

// ------------------------------------------------------------------ partitions

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
  readonly partition: PartitionState | null;
}

/**
 * ISR change from a partition leader (KIP-497), checked against the broker epoch,
 * leader epoch and partition epoch; only unfenced replicas may join (KIP-841).
 */
export function alterPartition(image: MetadataImage, request: AlterPartitionRequest): ControllerResult<AlterPartitionResponse> {
  const reject = (errorCode: number, partition: PartitionState | null = null) => ({ records: [], response: { errorCode, partition } });
  const broker = image.brokers.get(request.brokerId);
  if (!broker || broker.epoch !== request.brokerEpoch) return reject(KafkaErrorCode.STALE_BROKER_EPOCH);
  const p = image.partition(request.topicId, request.partitionId);
  if (!p) return reject(KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (p.leader !== request.brokerId) return reject(KafkaErrorCode.NOT_LEADER_OR_FOLLOWER, p);
  if (request.leaderEpoch !== p.leaderEpoch) return reject(KafkaErrorCode.FENCED_LEADER_EPOCH, p);
  if (request.partitionEpoch !== p.partitionEpoch) return reject(KafkaErrorCode.INVALID_UPDATE_VERSION, p);
  const newIsr = [...new Set(request.newIsr)];
  if (!newIsr.includes(p.leader) || newIsr.some((id) => !p.replicas.includes(id))) return reject(KafkaErrorCode.INVALID_REQUEST, p);
  const joining = newIsr.filter((id) => !p.isr.includes(id));
  if (joining.some((id) => !image.isUnfenced(id))) return reject(KafkaErrorCode.INELIGIBLE_REPLICA, p);
  if (sameIds(newIsr, p.isr)) return { records: [], response: { errorCode: KafkaErrorCode.NONE, partition: p } };
  // The last target replica of a reassignment joining the ISR completes it in the same record.
  const completion = completionIfReady(image, p, newIsr);
  if (completion) {
    const next = image.replay(completion, image.offset + 1).partition(p.topicId, p.partitionId)!;
    // As in Kafka, a leader that the completion removed learns it from NEW_LEADER_ELECTED.
    const errorCode = next.leader === p.leader ? KafkaErrorCode.NONE : KafkaErrorCode.NEW_LEADER_ELECTED;
    return { records: [completion], response: { errorCode, partition: next } };
  }
  return {
    records: [{ type: "PartitionChange", topicId: p.topicId, partitionId: p.partitionId, leader: null, isr: newIsr, replicas: null }],
    response: { errorCode: KafkaErrorCode.NONE, partition: { ...p, isr: newIsr, partitionEpoch: p.partitionEpoch + 1 } },
  };
}

export type ElectionType = "preferred" | "unclean";

export interface ElectLeadersResult {
  readonly topicId: string;
  readonly partitionId: number;
  readonly errorCode: number;
  readonly leader: NodeId;
}

/**
 * Preferred election moves leadership to the first replica when it is in the ISR and
 * unfenced; unclean election gives a leaderless partition any live replica.
 */
export function electLeaders(
  image: MetadataImage,
  type: ElectionType,
  partitions: readonly { topicId: string; partitionId: number }[] | "all",
): ControllerResult<ElectLeadersResult[]> {
  const targets: PartitionState[] = [];
  const results: ElectLeadersResult[] = [];
  if (partitions === "all") {
    for (const t of image.topicsById.values()) targets.push(...t.partitions.values());
  } else {
    for (const { topicId, partitionId } of partitions) {
      const p = image.partition(topicId, partitionId);
      if (p) targets.push(p);
      else results.push({ topicId, partitionId, errorCode: KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION, leader: NO_LEADER });
    }
  }
  const records: MetadataRecord[] = [];
  for (const p of targets) {
    let leader: NodeId = NO_LEADER;
    let isr: NodeId[] | null = null;
    let errorCode: number = KafkaErrorCode.NONE;
    if (type === "preferred") {
      const preferred = p.replicas[0]!;
      if (p.leader === preferred) errorCode = KafkaErrorCode.ELECTION_NOT_NEEDED;
      else if (!p.isr.includes(preferred) || !image.isUnfenced(preferred)) errorCode = KafkaErrorCode.PREFERRED_LEADER_NOT_AVAILABLE;
      else leader = preferred;
    } else {
      if (p.leader !== NO_LEADER && image.isUnfenced(p.leader)) errorCode = KafkaErrorCode.ELECTION_NOT_NEEDED;
      else {
        const choice = chooseLeader(image, p, p.isr, true, null);
        if (choice.leader === NO_LEADER) errorCode = KafkaErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE;
        else {
          leader = choice.leader;
          if (choice.unclean) isr = [choice.leader];
        }
      }
    }
    if (errorCode === KafkaErrorCode.NONE) {
      records.push({ type: "PartitionChange", topicId: p.topicId, partitionId: p.partitionId, leader, isr, replicas: null });
    }
    // With "all", partitions that already have the wanted leader are not reported, as in Kafka.
    if (partitions !== "all" || errorCode !== KafkaErrorCode.ELECTION_NOT_NEEDED) {
      results.push({ topicId: p.topicId, partitionId: p.partitionId, errorCode, leader: errorCode === KafkaErrorCode.NONE ? leader : p.leader });
    }
  }
  return { records, response: results };
}

// ------------------------------------------------------------------ producer ids

export interface AllocateProducerIdsResponse {
  readonly errorCode: number;
  readonly firstProducerId: number;
  readonly count: number;
}

export function allocateProducerIds(image: MetadataImage, request: { brokerId: NodeId; brokerEpoch: number }): ControllerResult<AllocateProducerIdsResponse> {
  const broker = image.brokers.get(request.brokerId);
  if (!broker || broker.epoch !== request.brokerEpoch) {
    return { records: [], response: { errorCode: KafkaErrorCode.STALE_BROKER_EPOCH, firstProducerId: -1, count: 0 } };
  }
  const first = image.nextProducerId;
  return {
    records: [{ type: "ProducerIds", brokerId: request.brokerId, brokerEpoch: request.brokerEpoch, nextProducerId: first + PRODUCER_ID_BLOCK_SIZE }],
    response: { errorCode: KafkaErrorCode.NONE, firstProducerId: first, count: PRODUCER_ID_BLOCK_SIZE },
  };
}

/**
 * Partitions without a leader get one from their ISR once a member is unfenced again
 * (the fence path keeps the last ISR member precisely so it can lead again cleanly).
 */
export function electLeaderlessPartitions(image: MetadataImage): ControllerResult<void> {
  const records: MetadataRecord[] = [];
  for (const topic of image.topicsById.values()) {
    for (const p of topic.partitions.values()) {
      if (p.leader !== NO_LEADER) continue;
      const choice = chooseLeader(image, p, p.isr, false, null);
      if (choice.leader !== NO_LEADER) records.push({ type: "PartitionChange", topicId: p.topicId, partitionId: p.partitionId, leader: choice.leader, isr: null, replicas: null });
    }
  }
  return { records, response: undefined };
}

/** Legacy AlterConfigs replaces a resource's configs: keys it does not list are deleted. */
export function replaceConfigs(image: MetadataImage, resources: readonly AlterConfigsResource[]): ControllerResult<TopicErrorResult[]> {
  const full = resources.map((r) => {
    const current = image.configs.get(configKey(r.resourceType, r.resourceName));
    const configs: Record<string, string | null> = {};
    for (const name of current?.keys() ?? []) configs[name] = null;
    Object.assign(configs, r.configs);
    return { ...r, configs };
  });
  return alterConfigs(image, full);
}
