import { ErrorCode } from "@samsa/protocol";
import type { Logger } from "pino";
import type { BrokerConfig } from "../config/broker-config.js";
import { InvalidTopicConfigError, validateTopicConfigs } from "../config/topic-configs.js";
import { TopicExistsError, UnknownTopicError, type MetadataStore, type TopicMetadata } from "./metadata-store.js";
import { collisionKey, topicNameProblem } from "./topic-names.js";

/** A topic operation failed with a Kafka error code (per-topic in responses). */
export class TopicOperationError extends Error {
  readonly code = "TOPIC_OPERATION";
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = "TopicOperationError";
  }
}

/** What the topic manager needs from the partition layer. */
export interface PartitionLogs {
  /** Creates (or opens) the logs of partitions [fromPartition, topic.partitionCount). */
  createLogs(topic: TopicMetadata, fromPartition: number): Promise<void>;
  deleteLogs(topic: TopicMetadata): Promise<void>;
  configChanged(topic: TopicMetadata): void;
}

/** Bound on partitions per topic, so one request cannot make the broker open unbounded files. */
export const MAX_PARTITIONS_PER_TOPIC = 10_000;

export interface CreateTopicSpec {
  name: string;
  /** -1: num.partitions. */
  numPartitions: number;
  /** -1: default.replication.factor. */
  replicationFactor: number;
  /** Manual assignment: partition index → broker ids. */
  assignments?: ReadonlyArray<{ partitionIndex: number; brokerIds: readonly number[] }>;
  configs: Readonly<Record<string, string | null>>;
}

/** Creates, deletes and changes topics: validation, metadata, then logs. */
export class TopicManager {
  private readonly autoCreating = new Map<string, Promise<TopicMetadata>>();

  constructor(
    private readonly config: BrokerConfig,
    private readonly metadata: MetadataStore,
    private readonly logs: PartitionLogs,
    private readonly logger: Logger,
  ) {}

  /** Validates a creation; returns the resolved partition count and configs. */
  validateCreate(spec: CreateTopicSpec): { partitionCount: number; replicationFactor: number; configs: Record<string, string> } {
    const problem = topicNameProblem(spec.name);
    if (problem) throw new TopicOperationError(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
    if (this.metadata.topic(spec.name)) throw new TopicOperationError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${spec.name}' already exists.`);
    const key = collisionKey(spec.name);
    for (const t of this.metadata.topics()) {
      if (collisionKey(t.name) === key) {
        throw new TopicOperationError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${spec.name}' collides with existing topic: ${t.name}`);
      }
    }
    let partitionCount: number;
    let replicationFactor: number;
    if (spec.assignments && spec.assignments.length > 0) {
      if (spec.numPartitions !== -1 || spec.replicationFactor !== -1) {
        throw new TopicOperationError(ErrorCode.INVALID_REQUEST, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.");
      }
      const indexes = spec.assignments.map((a) => a.partitionIndex).sort((a, b) => a - b);
      if (indexes.some((p, i) => p !== i)) {
        throw new TopicOperationError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "partitions must be numbered consecutively from 0");
      }
      for (const a of spec.assignments) {
        if (a.brokerIds.length !== 1 || a.brokerIds[0] !== this.config.nodeId) {
          throw new TopicOperationError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `partition ${a.partitionIndex}: replicas [${a.brokerIds.join(",")}] are not the live broker [${this.config.nodeId}]`);
        }
      }
      partitionCount = indexes.length;
      replicationFactor = 1;
    } else {
      partitionCount = spec.numPartitions === -1 ? this.config.numPartitions : spec.numPartitions;
      replicationFactor = spec.replicationFactor === -1 ? this.config.defaultReplicationFactor : spec.replicationFactor;
    }
    if (partitionCount <= 0) throw new TopicOperationError(ErrorCode.INVALID_PARTITIONS, "Number of partitions must be larger than 0.");
    if (partitionCount > MAX_PARTITIONS_PER_TOPIC) {
      throw new TopicOperationError(ErrorCode.INVALID_PARTITIONS, `Number of partitions must be at most ${MAX_PARTITIONS_PER_TOPIC}.`);
    }
    if (replicationFactor <= 0) throw new TopicOperationError(ErrorCode.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0.");
    if (replicationFactor > 1) {
      throw new TopicOperationError(ErrorCode.INVALID_REPLICATION_FACTOR, `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only 1 broker(s) are registered.`);
    }
    let configs: Record<string, string>;
    try {
      configs = validateTopicConfigs(spec.configs);
    } catch (err) {
      if (err instanceof InvalidTopicConfigError) throw new TopicOperationError(ErrorCode.INVALID_CONFIG, err.message);
      throw err;
    }
    return { partitionCount, replicationFactor, configs };
  }

  async createTopic(spec: CreateTopicSpec): Promise<TopicMetadata> {
    const { partitionCount, configs } = this.validateCreate(spec);
    let topic: TopicMetadata;
    try {
      topic = await this.metadata.createTopic({ name: spec.name, partitionCount, configs });
    } catch (err) {
      if (err instanceof TopicExistsError) throw new TopicOperationError(ErrorCode.TOPIC_ALREADY_EXISTS, err.message);
      throw err;
    }
    try {
      await this.logs.createLogs(topic, 0);
    } catch (err) {
      this.logger.error({ err, topic: spec.name }, "creating partition logs failed; removing the topic");
      await this.metadata.deleteTopic(spec.name).catch(() => undefined);
      throw new TopicOperationError(ErrorCode.KAFKA_STORAGE_ERROR, `creating logs failed: ${(err as Error).message}`);
    }
    this.logger.info({ topic: spec.name, topicId: topic.topicId, partitions: partitionCount, configs }, "created topic");
    return topic;
  }

  /** Auto-creation on Metadata/Produce: concurrent calls for one name share a creation. */
  autoCreate(name: string): Promise<TopicMetadata> {
    const existing = this.metadata.topic(name);
    if (existing) return Promise.resolve(existing);
    let pending = this.autoCreating.get(name);
    if (!pending) {
      pending = this.createTopic({ name, numPartitions: -1, replicationFactor: -1, configs: {} }).finally(() => this.autoCreating.delete(name));
      this.autoCreating.set(name, pending);
    }
    return pending;
  }

  async deleteTopic(name: string): Promise<TopicMetadata> {
    if (!this.config.deleteTopicEnable) throw new TopicOperationError(ErrorCode.TOPIC_DELETION_DISABLED, "Topic deletion is disabled.");
    let topic: TopicMetadata;
    try {
      topic = await this.metadata.deleteTopic(name);
    } catch (err) {
      if (err instanceof UnknownTopicError) throw new TopicOperationError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition.");
      throw err;
    }
    await this.logs.deleteLogs(topic);
    this.logger.info({ topic: name, topicId: topic.topicId }, "deleted topic");
    return topic;
  }

  /** CreatePartitions: grow to `count` partitions. */
  async createPartitions(name: string, count: number, assignments: ReadonlyArray<readonly number[]> | null, validateOnly: boolean): Promise<void> {
    const topic = this.metadata.topic(name);
    if (!topic) throw new TopicOperationError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition.");
    if (count < topic.partitionCount) {
      throw new TopicOperationError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${topic.partitionCount} partitions, which is higher than the requested ${count}.`);
    }
    if (count === topic.partitionCount) {
      throw new TopicOperationError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${topic.partitionCount} partitions.`);
    }
    if (count > MAX_PARTITIONS_PER_TOPIC) {
      throw new TopicOperationError(ErrorCode.INVALID_PARTITIONS, `Number of partitions must be at most ${MAX_PARTITIONS_PER_TOPIC}.`);
    }
    if (assignments) {
      if (assignments.length !== count - topic.partitionCount) {
        throw new TopicOperationError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Increasing the number of partitions by ${count - topic.partitionCount} but ${assignments.length} assignments provided.`);
      }
      for (const a of assignments) {
        if (a.length !== 1 || a[0] !== this.config.nodeId) {
          throw new TopicOperationError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `replicas [${a.join(",")}] are not the live broker [${this.config.nodeId}]`);
        }
      }
    }
    if (validateOnly) return;
    const from = topic.partitionCount;
    const updated = await this.metadata.setPartitionCount(name, count);
    await this.logs.createLogs(updated, from);
    this.logger.info({ topic: name, from, to: count }, "added partitions");
  }

  /** Validates and (unless validateOnly) replaces the topic's config overrides. */
  async setTopicConfigs(name: string, configs: Readonly<Record<string, string | null>>, validateOnly: boolean): Promise<void> {
    const topic = this.metadata.topic(name);
    if (!topic) throw new TopicOperationError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition.");
    let valid: Record<string, string>;
    try {
      valid = validateTopicConfigs(configs);
    } catch (err) {
      if (err instanceof InvalidTopicConfigError) throw new TopicOperationError(ErrorCode.INVALID_CONFIG, err.message);
      throw err;
    }
    if (validateOnly) return;
    const updated = await this.metadata.setTopicConfigs(name, valid);
    this.logs.configChanged(updated);
    this.logger.info({ topic: name, configs: valid }, "changed topic configs");
  }
}
