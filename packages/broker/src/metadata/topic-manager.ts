import { ErrorCode } from "@samsa/protocol";
import type { ControllerApi } from "@samsa/raft-controller";
import type { Logger } from "pino";
import type { BrokerConfig } from "../config/broker-config.js";
import { InvalidTopicConfigError, validateTopicConfigs } from "../config/topic-configs.js";
import { controllerFailure } from "./controller-errors.js";
import type { MetadataStore, TopicMetadata } from "./metadata-store.js";
import { TopicOperationError } from "./topic-operation-error.js";
import { collisionKey, topicNameProblem } from "./topic-names.js";

export { TopicOperationError } from "./topic-operation-error.js";

/** Bound on partitions per topic, so one request cannot make brokers open unbounded files. */
export const MAX_PARTITIONS_PER_TOPIC = 10_000;
/** How long an admin answer waits for a committed change to reach this broker's own metadata. */
export const METADATA_PROPAGATION_TIMEOUT_MS = 15_000;

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

/** Waits until this broker applied metadata satisfying the predicate (false after the timeout). */
export type MetadataWait = (predicate: (metadata: MetadataStore) => boolean, timeoutMs: number) => Promise<boolean>;

/**
 * Creates, deletes and changes topics: validates with the broker's rules, sends the
 * change to the active controller (any broker forwards), and answers once the
 * controller committed it and this broker applied it, so the caller's next request
 * to this broker sees the change.
 */
export class TopicManager {
  private readonly autoCreating = new Map<string, Promise<TopicMetadata>>();

  constructor(
    private readonly config: BrokerConfig,
    private readonly metadata: MetadataStore,
    private readonly controller: ControllerApi,
    private readonly waitForMetadata: MetadataWait,
    private readonly logger: Logger,
  ) {}

  /** Validates a creation; returns the resolved partition count, replication factor and configs. */
  validateCreate(spec: CreateTopicSpec): { partitionCount: number; replicationFactor: number; configs: Record<string, string>; assignments: number[][] | undefined } {
    const problem = topicNameProblem(spec.name);
    if (problem) throw new TopicOperationError(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
    if (this.metadata.topic(spec.name)) throw new TopicOperationError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${spec.name}' already exists.`);
    const key = collisionKey(spec.name);
    for (const t of this.metadata.topics()) {
      if (collisionKey(t.name) === key) {
        throw new TopicOperationError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${spec.name}' collides with existing topic: ${t.name}`);
      }
    }
    const brokers = this.metadata.brokers();
    const registered = new Set(brokers.map((b) => b.id));
    const liveCount = brokers.filter((b) => !b.fenced).length;
    let partitionCount: number;
    let replicationFactor: number;
    let assignments: number[][] | undefined;
    if (spec.assignments && spec.assignments.length > 0) {
      if (spec.numPartitions !== -1 || spec.replicationFactor !== -1) {
        throw new TopicOperationError(ErrorCode.INVALID_REQUEST, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.");
      }
      const sorted = [...spec.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
      if (sorted.some((a, i) => a.partitionIndex !== i)) {
        throw new TopicOperationError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "partitions must be numbered consecutively from 0");
      }
      for (const a of sorted) {
        const unknown = a.brokerIds.filter((id) => !registered.has(id));
        if (a.brokerIds.length === 0 || unknown.length > 0 || new Set(a.brokerIds).size !== a.brokerIds.length) {
          throw new TopicOperationError(
            ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            `partition ${a.partitionIndex}: replicas [${a.brokerIds.join(",")}] are not distinct registered brokers [${[...registered].join(",")}]`,
          );
        }
      }
      assignments = sorted.map((a) => [...a.brokerIds]);
      partitionCount = assignments.length;
      replicationFactor = assignments[0]!.length;
    } else {
      partitionCount = spec.numPartitions === -1 ? this.config.numPartitions : spec.numPartitions;
      replicationFactor = spec.replicationFactor === -1 ? this.config.defaultReplicationFactor : spec.replicationFactor;
    }
    if (partitionCount <= 0) throw new TopicOperationError(ErrorCode.INVALID_PARTITIONS, "Number of partitions must be larger than 0.");
    if (partitionCount > MAX_PARTITIONS_PER_TOPIC) {
      throw new TopicOperationError(ErrorCode.INVALID_PARTITIONS, `Number of partitions must be at most ${MAX_PARTITIONS_PER_TOPIC}.`);
    }
    if (replicationFactor <= 0) throw new TopicOperationError(ErrorCode.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0.");
    if (!assignments && replicationFactor > liveCount) {
      throw new TopicOperationError(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only ${liveCount} broker(s) are registered.`,
      );
    }
    let configs: Record<string, string>;
    try {
      configs = validateTopicConfigs(spec.configs);
    } catch (err) {
      if (err instanceof InvalidTopicConfigError) throw new TopicOperationError(ErrorCode.INVALID_CONFIG, err.message);
      throw err;
    }
    return { partitionCount, replicationFactor, configs, assignments };
  }

  async createTopic(spec: CreateTopicSpec): Promise<TopicMetadata> {
    const { partitionCount, replicationFactor, configs, assignments } = this.validateCreate(spec);
    let result;
    try {
      [result] = await this.controller.createTopics({
        topics: [{ name: spec.name, numPartitions: assignments ? -1 : partitionCount, replicationFactor: assignments ? -1 : replicationFactor, configs, ...(assignments ? { assignments } : {}) }],
      });
    } catch (err) {
      throw controllerFailure(err);
    }
    if (!result || result.errorCode !== ErrorCode.NONE || result.topicId === null) {
      throw new TopicOperationError(result?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, result?.errorMessage ?? "the controller gave no result");
    }
    const topicId = result.topicId;
    await this.waitForMetadata((m) => m.topicById(topicId) !== undefined, METADATA_PROPAGATION_TIMEOUT_MS);
    this.logger.info({ topic: spec.name, topicId, partitions: result.numPartitions, replicationFactor: result.replicationFactor, configs }, "created topic");
    return (
      this.metadata.topicById(topicId) ?? {
        name: spec.name,
        topicId,
        partitionCount: result.numPartitions,
        configs,
        leaderEpochs: new Array<number>(result.numPartitions).fill(0),
        partitions: [],
      }
    );
  }

  /** Auto-creation on Metadata/Produce: concurrent calls for one name share a creation. */
  autoCreate(name: string): Promise<TopicMetadata> {
    const existing = this.metadata.topic(name);
    if (existing) return Promise.resolve(existing);
    let pending = this.autoCreating.get(name);
    if (!pending) {
      const replicationFactor = Math.min(this.config.defaultReplicationFactor, Math.max(1, this.metadata.brokers().filter((b) => !b.fenced).length));
      pending = this.createTopic({ name, numPartitions: -1, replicationFactor, configs: {} }).finally(() => this.autoCreating.delete(name));
      this.autoCreating.set(name, pending);
    }
    return pending;
  }

  async deleteTopic(name: string): Promise<TopicMetadata> {
    if (!this.config.deleteTopicEnable) throw new TopicOperationError(ErrorCode.TOPIC_DELETION_DISABLED, "Topic deletion is disabled.");
    const topic = this.metadata.topic(name);
    if (!topic) throw new TopicOperationError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition.");
    const [result] = await this.call(() => this.controller.deleteTopics({ names: [name] }));
    if (!result || result.errorCode !== ErrorCode.NONE) {
      throw new TopicOperationError(result?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, result?.errorMessage ?? "the controller gave no result");
    }
    await this.waitForMetadata((m) => m.topicById(topic.topicId) === undefined, METADATA_PROPAGATION_TIMEOUT_MS);
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
      // The controller places new partitions itself; explicit placements are checked, not honoured.
      if (assignments.length !== count - topic.partitionCount) {
        throw new TopicOperationError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Increasing the number of partitions by ${count - topic.partitionCount} but ${assignments.length} assignments provided.`);
      }
      const registered = new Set(this.metadata.brokers().map((b) => b.id));
      for (const a of assignments) {
        if (a.length === 0 || a.some((id) => !registered.has(id))) {
          throw new TopicOperationError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `replicas [${a.join(",")}] are not registered brokers [${[...registered].join(",")}]`);
        }
      }
    }
    if (validateOnly) return;
    const [result] = await this.call(() => this.controller.createPartitions({ topics: [{ name, count }] }));
    if (!result || result.errorCode !== ErrorCode.NONE) {
      throw new TopicOperationError(result?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, result?.errorMessage ?? "the controller gave no result");
    }
    await this.waitForMetadata((m) => (m.topicById(topic.topicId)?.partitionCount ?? 0) >= count, METADATA_PROPAGATION_TIMEOUT_MS);
    this.logger.info({ topic: name, from: topic.partitionCount, to: count }, "added partitions");
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
    // Sent as explicit sets and deletes, so the controller's result does not depend on what it holds.
    const changes: Record<string, string | null> = { ...valid };
    for (const key of Object.keys(topic.configs)) if (!(key in valid)) changes[key] = null;
    const [result] = await this.call(() => this.controller.incrementalAlterConfigs({ resources: [{ resourceType: "topic", resourceName: name, configs: changes }] }));
    if (!result || result.errorCode !== ErrorCode.NONE) {
      throw new TopicOperationError(result?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, result?.errorMessage ?? "the controller gave no result");
    }
    await this.waitForMetadata((m) => sameRecord(m.topicById(topic.topicId)?.configs, valid), METADATA_PROPAGATION_TIMEOUT_MS);
    this.logger.info({ topic: name, configs: valid }, "changed topic configs");
  }

  private async call<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      throw controllerFailure(err);
    }
  }
}

function sameRecord(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>>): boolean {
  if (!a) return true; // deleted meanwhile: nothing left to wait for
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
