import { ErrorCode, KafkaError } from "@samsa/protocol";
import { LogManager, logConfigFromTopicConfigs, type AppendInfo, type LogConfig, type PartitionLog } from "@samsa/storage";
import type { Logger } from "pino";
import type { BrokerConfig } from "../config/broker-config.js";
import { effectiveTopicConfig } from "../config/topic-configs.js";
import type { PartitionMetadata, TopicMetadata } from "../metadata/metadata-store.js";
import type { BrokerMetrics } from "../metrics.js";
import { FetchPurgatory, partitionKey } from "./fetch-purgatory.js";

/** Kafka's "no leader" id. */
export const NO_LEADER = -1;

/** Where a partition stands in the committed metadata (structurally the replication package's PartitionAssignment). */
export interface PartitionAssignment {
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
}

/** A produce (or other leader-only operation) reached a replica that does not lead the partition. */
export class NotLeaderOrFollowerError extends KafkaError {
  readonly code = "NOT_LEADER_OR_FOLLOWER";
  readonly errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
  override name = "NotLeaderOrFollowerError";
  override retriable = true;
}

/** One partition replica this broker hosts. */
export class Partition {
  readonly key: string;
  /** Leader, follower or (leader -1) a replica waiting for a leader. */
  role: "leader" | "follower" = "follower";
  leaderId: number = NO_LEADER;
  partitionEpoch = 0;
  replicas: readonly number[] = [];
  isr: readonly number[] = [];

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly topicId: string,
    readonly log: PartitionLog,
    public leaderEpoch: number,
  ) {
    this.key = partitionKey(topic, index);
  }

  get isLeader(): boolean {
    return this.role === "leader";
  }

  /** The log dir holding this partition (the parent of its directory). */
  get logDir(): string {
    return this.log.dir.slice(0, this.log.dir.length - this.key.length - 1);
  }
}

/**
 * The hook the replication package implements (see docs/architecture.md, broker
 * section). The broker calls it from one serial queue, in metadata-log order, after
 * the partition's fields (`role`, `leaderId`, `leaderEpoch`, `isr`, ...) are updated
 * and, for the first call, after its log is open. Returned promises are awaited
 * before the next metadata change is applied.
 */
export interface ReplicaRoleHandler {
  /** This broker leads the partition: on a role flip, a new leader epoch, or an ISR / partition-epoch change. */
  becomeLeader(partition: Partition, assignment: PartitionAssignment): void | Promise<void>;
  /** Another broker (or nobody, leader -1) leads: on a role flip, a new leader, epoch or ISR. */
  becomeFollower(partition: Partition, assignment: PartitionAssignment): void | Promise<void>;
  /** The replica leaves this broker (topic deleted or replica moved away); its log is deleted right after. */
  stopReplica(partition: Partition): void | Promise<void>;
  /**
   * The leader appended producer batches. With it, the handler owns the high
   * watermark (replication moves it once the ISR has the records); without it,
   * an acknowledged append is committed at once (single replica).
   */
  leaderAppended?(partition: Partition, info: AppendInfo): void;
}

/**
 * Learns of role changes after the role handler ran (the group coordinator
 * loads and drops the groups of `__consumer_offsets` partitions this way).
 * Called synchronously on the metadata queue: start long work in the background.
 */
export interface ReplicaRoleListener {
  /** The partition's role, leader or epoch changed (read them from `partition`). */
  roleChanged(partition: Partition): void;
  /** The replica left this broker; its log is about to be deleted. */
  replicaRemoved(partition: Partition): void;
}

/**
 * Without replication the leader's acknowledged appends are its committed data (RF=1
 * semantics) and a follower only refuses clients.
 */
export const SINGLE_REPLICA_ROLES: ReplicaRoleHandler = {
  becomeLeader(partition) {
    partition.log.highWatermark = partition.log.logEndOffset;
  },
  becomeFollower() {},
  stopReplica() {},
};

export interface PartitionManagerOptions {
  config: BrokerConfig;
  clusterId: string;
  metrics: BrokerMetrics;
  logger: Logger;
  /** Log settings of logs found on disk at open; undefined: broker defaults. */
  configForTopic: (topic: string) => LogConfig | undefined;
}

/**
 * The broker's partition replicas over the storage LogManager. Metadata changes
 * (applied in log order by MetadataApplier) create and delete replicas and change
 * their roles; produce appends only on leaders, then wakes long-polling fetches.
 */
export class PartitionManager {
  private readonly partitions = new Map<string, Partition>();
  /** Per partition: stops forwarding its log's write events to the fetch purgatory. */
  private readonly logWatches = new Map<string, () => void>();
  readonly purgatory = new FetchPurgatory();
  private roles: ReplicaRoleHandler = SINGLE_REPLICA_ROLES;
  private readonly roleListeners: ReplicaRoleListener[] = [];

  private constructor(
    private readonly config: BrokerConfig,
    /** Shared with the metadata node: the metadata log is one of its partitions. */
    readonly logManager: LogManager,
    private readonly metrics: BrokerMetrics,
    private readonly logger: Logger,
  ) {}

  static async open(options: PartitionManagerOptions): Promise<PartitionManager> {
    const { config, logger } = options;
    const logs = await LogManager.open({
      logDirs: config.logDirs,
      nodeId: config.nodeId,
      clusterId: options.clusterId,
      logger: logger.child({ component: "storage" }),
      configForTopic: options.configForTopic,
      retentionCheckIntervalMs: config.values.get("log.retention.check.interval.ms") as number,
      compactionCheckIntervalMs: config.values.get("log.cleaner.backoff.ms") as number,
      compactionEnabled: config.values.get("log.cleaner.enable") as boolean,
      producerIdExpirationMs: config.values.get("producer.id.expiration.ms") as number,
      producerIdExpirationCheckIntervalMs: config.values.get("producer.id.expiration.check.interval.ms") as number,
    });
    return new PartitionManager(config, logs, options.metrics, logger);
  }

  /** Installs the replication package's role handler (before metadata is applied). */
  setRoleHandler(handler: ReplicaRoleHandler): void {
    this.roles = handler;
  }

  /** Adds a listener told of every role change after the role handler. */
  addRoleListener(listener: ReplicaRoleListener): void {
    this.roleListeners.push(listener);
  }

  startBackgroundTasks(): void {
    this.logManager.startBackgroundTasks();
  }

  get(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(partitionKey(topic, partition));
  }

  all(): Iterable<Partition> {
    return this.partitions.values();
  }

  /**
   * Applies one partition's committed state: opens or creates its log when this
   * broker is a replica, then becomes leader or follower; removes the replica when
   * this broker is no longer listed.
   */
  async applyPartition(topic: TopicMetadata, state: PartitionMetadata, nodeId: number): Promise<void> {
    const key = partitionKey(topic.name, state.partition);
    let partition = this.partitions.get(key);
    if (!state.replicas.includes(nodeId)) {
      if (partition) await this.removeReplica(partition);
      return;
    }
    const isNew = !partition || partition.topicId !== topic.topicId;
    if (partition && isNew) await this.removeReplica(partition);
    if (!partition || isNew) {
      const log = this.logManager.getLog(topic.name, state.partition) ?? (await this.logManager.createLog(topic.name, state.partition, logConfigFor(this.config, topic)));
      partition = new Partition(topic.name, state.partition, topic.topicId, log, state.leaderEpoch);
      this.partitions.set(key, partition);
      // Followers parked on this (leader) log fetch as soon as bytes are written, overlapping the leader's fsync.
      this.logWatches.set(key, log.onAppend(() => this.purgatory.notifyWritten(key)));
    }
    const role = state.leader === nodeId ? "leader" : "follower";
    const changed =
      isNew ||
      partition.role !== role ||
      partition.leaderId !== state.leader ||
      partition.leaderEpoch !== state.leaderEpoch ||
      partition.partitionEpoch !== state.partitionEpoch;
    if (!changed) return;
    const wasLeader = partition.isLeader;
    partition.role = role;
    partition.leaderId = state.leader;
    partition.leaderEpoch = state.leaderEpoch;
    partition.partitionEpoch = state.partitionEpoch;
    partition.replicas = state.replicas;
    partition.isr = state.isr;
    const assignment: PartitionAssignment = { replicas: state.replicas, isr: state.isr, leader: state.leader, leaderEpoch: state.leaderEpoch, partitionEpoch: state.partitionEpoch };
    if (role === "leader") await this.roles.becomeLeader(partition, assignment);
    else await this.roles.becomeFollower(partition, assignment);
    for (const listener of this.roleListeners) this.notifyListener(() => listener.roleChanged(partition));
    if (wasLeader !== partition.isLeader || isNew) {
      this.logger.info({ partition: key, role, leader: state.leader, leaderEpoch: state.leaderEpoch, isr: state.isr }, "partition role changed");
      // Long-polling fetches re-read and answer NOT_LEADER_OR_FOLLOWER or data.
      this.purgatory.notify(key);
    }
    this.updateGauges();
  }

  /** Removes every replica of a deleted topic (by id, so a re-created namesake survives). */
  async deleteTopic(name: string, topicId: string): Promise<void> {
    for (const partition of [...this.partitions.values()]) {
      if (partition.topic === name && partition.topicId === topicId) await this.removeReplica(partition);
    }
  }

  /**
   * Deletes logs on disk that the caught-up metadata does not place here (topics
   * deleted or replicas moved while this broker was down). `keep` says which
   * (topic, partition) logs are wanted; the metadata log itself is never touched.
   */
  async removeStrayLogs(keep: (topic: string, partition: number) => boolean, internalTopics: ReadonlySet<string>): Promise<void> {
    for (const log of this.logManager.logs()) {
      if (internalTopics.has(log.topic) || keep(log.topic, log.partition)) continue;
      this.logger.warn({ topic: log.topic, partition: log.partition }, "removing the log of a partition this broker no longer hosts");
      const hosted = this.partitions.get(partitionKey(log.topic, log.partition));
      if (hosted) await this.removeReplica(hosted);
      else await this.logManager.deleteLog(log.topic, log.partition);
    }
  }

  configChanged(topic: TopicMetadata): void {
    const config = logConfigFor(this.config, topic);
    for (let p = 0; p < topic.partitionCount; p++) this.partitions.get(partitionKey(topic.name, p))?.log.updateConfig(config);
  }

  /**
   * Appends producer batches. Must be called in request order (offsets are
   * assigned in call order); resolves once durable, then advances the high
   * watermark and wakes fetchers.
   */
  async append(partition: Partition, records: Buffer): Promise<AppendInfo> {
    if (!partition.isLeader) throw new NotLeaderOrFollowerError(`this broker does not lead ${partition.key} (leader ${partition.leaderId})`);
    const info = await partition.log.appendAsLeader(records, partition.leaderEpoch);
    const log = partition.log;
    if (this.roles.leaderAppended) this.roles.leaderAppended(partition, info);
    else if (info.lastOffset + 1 > log.highWatermark) log.highWatermark = info.lastOffset + 1;
    this.metrics.messagesIn.inc({ topic: partition.topic }, info.recordCount);
    this.metrics.bytesIn.inc({ topic: partition.topic }, info.bytes);
    this.purgatory.notify(partition.key);
    return info;
  }

  /** Clean shutdown: drains appends, fsyncs, writes checkpoints and the clean-shutdown marker. */
  async close(): Promise<void> {
    this.partitions.clear();
    for (const stop of this.logWatches.values()) stop();
    this.logWatches.clear();
    await this.logManager.close();
  }

  private async removeReplica(partition: Partition): Promise<void> {
    this.partitions.delete(partition.key);
    this.logWatches.get(partition.key)?.();
    this.logWatches.delete(partition.key);
    await this.roles.stopReplica(partition);
    for (const listener of this.roleListeners) this.notifyListener(() => listener.replicaRemoved(partition));
    // Waiting fetches re-read and find the partition gone.
    this.purgatory.notify(partition.key);
    await this.logManager.deleteLog(partition.topic, partition.index);
    this.updateGauges();
  }

  /** A failing listener must not stop metadata application. */
  private notifyListener(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.logger.error({ err }, "replica role listener failed");
    }
  }

  private updateGauges(): void {
    let leaders = 0;
    for (const p of this.partitions.values()) if (p.isLeader) leaders++;
    this.metrics.partitions.set(this.partitions.size);
    this.metrics.leaders.set(leaders);
  }
}

/** The storage settings of a topic: its overrides over the broker defaults. */
export function logConfigFor(config: BrokerConfig, topic: Pick<TopicMetadata, "configs">): LogConfig {
  const named: Record<string, string | number | readonly string[]> = {};
  for (const [name, value] of effectiveTopicConfig(config, topic.configs)) {
    if (value === null || typeof value === "boolean") continue;
    named[name] = value;
  }
  return logConfigFromTopicConfigs(named);
}
