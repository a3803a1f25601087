import { LogManager, logConfigFromTopicConfigs, type AppendInfo, type LogConfig, type PartitionLog } from "@samsa/storage";
import type { Logger } from "pino";
import type { BrokerConfig } from "../config/broker-config.js";
import { effectiveTopicConfig } from "../config/topic-configs.js";
import type { MetadataStore, TopicMetadata } from "../metadata/metadata-store.js";
import type { PartitionLogs } from "../metadata/topic-manager.js";
import type { BrokerMetrics } from "../metrics.js";
import { FetchPurgatory, partitionKey } from "./fetch-purgatory.js";

/** One partition this broker hosts (single node: it leads all of them). */
export class Partition {
  readonly key: string;
  constructor(
    readonly topic: string,
    readonly index: number,
    readonly topicId: string,
    readonly log: PartitionLog,
    public leaderEpoch: number,
  ) {
    this.key = partitionKey(topic, index);
  }

  /** The log dir holding this partition (the parent of its directory). */
  get logDir(): string {
    return this.log.dir.slice(0, this.log.dir.length - this.key.length - 1);
  }
}

/**
 * The broker's partitions over the storage LogManager: opens them at
 * start-up (removing logs of topics that no longer exist), creates and
 * deletes them with topics, appends (then wakes long-polling fetches) and
 * closes them cleanly.
 */
export class PartitionManager implements PartitionLogs {
  private readonly partitions = new Map<string, Partition>();
  readonly purgatory = new FetchPurgatory();

  private constructor(
    private readonly config: BrokerConfig,
    private readonly logs: LogManager,
    private readonly metrics: BrokerMetrics,
    private readonly logger: Logger,
  ) {}

  static async open(options: { config: BrokerConfig; metadata: MetadataStore; metrics: BrokerMetrics; logger: Logger }): Promise<PartitionManager> {
    const { config, metadata, logger } = options;
    const logs = await LogManager.open({
      logDirs: config.logDirs,
      nodeId: config.nodeId,
      clusterId: metadata.clusterId,
      logger: logger.child({ component: "storage" }),
      configForTopic: (topic) => {
        const t = metadata.topic(topic);
        return t ? logConfigFor(config, t) : undefined;
      },
      retentionCheckIntervalMs: config.values.get("log.retention.check.interval.ms") as number,
    });
    const manager = new PartitionManager(config, logs, options.metrics, logger);
    for (const log of logs.logs()) {
      const t = metadata.topic(log.topic);
      if (!t || log.partition >= t.partitionCount) {
        logger.warn({ topic: log.topic, partition: log.partition }, "removing the log of a partition that no longer exists");
        await logs.deleteLog(log.topic, log.partition);
      }
    }
    for (const t of metadata.topics()) await manager.createLogs(t, 0);
    logs.startBackgroundTasks();
    return manager;
  }

  get(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(partitionKey(topic, partition));
  }

  all(): Iterable<Partition> {
    return this.partitions.values();
  }

  async createLogs(topic: TopicMetadata, fromPartition: number): Promise<void> {
    const config = logConfigFor(this.config, topic);
    for (let p = fromPartition; p < topic.partitionCount; p++) {
      const key = partitionKey(topic.name, p);
      if (this.partitions.has(key)) continue;
      const log = await this.logs.createLog(topic.name, p, config);
      // Single replica: everything recovered or acknowledged is committed.
      log.highWatermark = log.logEndOffset;
      this.partitions.set(key, new Partition(topic.name, p, topic.topicId, log, topic.leaderEpochs[p] ?? 0));
    }
    this.updateGauges();
  }

  async deleteLogs(topic: TopicMetadata): Promise<void> {
    for (let p = 0; p < topic.partitionCount; p++) {
      const key = partitionKey(topic.name, p);
      if (!this.partitions.delete(key)) continue;
      // Waiting fetches re-read and find the partition gone.
      this.purgatory.notify(key);
      await this.logs.deleteLog(topic.name, p);
    }
    this.updateGauges();
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
    const info = await partition.log.appendAsLeader(records, partition.leaderEpoch);
    const log = partition.log;
    if (info.lastOffset + 1 > log.highWatermark) log.highWatermark = info.lastOffset + 1;
    this.metrics.messagesIn.inc({ topic: partition.topic }, info.recordCount);
    this.metrics.bytesIn.inc({ topic: partition.topic }, info.bytes);
    this.purgatory.notify(partition.key);
    return info;
  }

  /** Clean shutdown: drains appends, fsyncs, writes checkpoints and the clean-shutdown marker. */
  async close(): Promise<void> {
    this.partitions.clear();
    await this.logs.close();
  }

  private updateGauges(): void {
    this.metrics.partitions.set(this.partitions.size);
    this.metrics.leaders.set(this.partitions.size);
  }
}

/** The storage settings of a topic: its overrides over the broker defaults. */
export function logConfigFor(config: BrokerConfig, topic: TopicMetadata): LogConfig {
  const named: Record<string, string | number | readonly string[]> = {};
  for (const [name, value] of effectiveTopicConfig(config, topic.configs)) {
    if (value === null || typeof value === "boolean") continue;
    named[name] = value;
  }
  return logConfigFromTopicConfigs(named);
}
