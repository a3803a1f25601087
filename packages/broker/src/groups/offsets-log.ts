import { ErrorCode, buildRecordBatch, iterateBatches, iterateRecords } from "@samsa/protocol";
import type { MetadataStore } from "../metadata/metadata-store.js";
import { TopicOperationError, type TopicManager } from "../metadata/topic-manager.js";
import type { Partition, PartitionManager } from "../partitions/partition-manager.js";
import type { GroupCoordinatorConfig } from "./group-config.js";
import { OFFSETS_TOPIC } from "./group-placement.js";

export interface OffsetsRecord {
  key: Buffer;
  /** null: a tombstone. */
  value: Buffer | null;
}

/** What the coordinator needs from `__consumer_offsets`. */
export interface OffsetsLog {
  /** Partitions of the topic, or null while it does not exist. */
  partitionCount(): number | null;
  /** Creates the topic when it is missing (concurrent calls share one creation). */
  create(): Promise<void>;
  /**
   * Appends the records as one batch on the partition this broker leads;
   * resolves once they are committed (acks=all: on every ISR member), rejects
   * with an error carrying the Kafka `errorCode` otherwise.
   */
  append(partition: number, records: readonly OffsetsRecord[], timestampMs: number): Promise<void>;
  /**
   * Resolves true once everything in the partition's log at the call is
   * committed (a new leader's log holds what its predecessor acknowledged,
   * but its high watermark catches up only after the followers' next fetch);
   * false when that did not happen within `timeoutMs`. Rejects when this
   * broker does not lead the partition.
   */
  awaitCommitted(partition: number, timeoutMs: number): Promise<boolean>;
  /** Reads the partition's committed records (log start to high watermark), in offset order. */
  replay(partition: number, onRecord: (record: OffsetsRecord, timestampMs: number) => void): Promise<void>;
}

/** The acks=all part of the replication package the offsets writes use (ReplicaManager satisfies it). */
export interface OffsetsReplication {
  /** Throws NOT_LEADER_OR_FOLLOWER or NOT_ENOUGH_REPLICAS before an append. */
  checkProduce(topic: string, partition: number, acks: number): void;
  /** Resolves once the high watermark passes `lastOffset`. */
  waitForReplication(topic: string, partition: number, lastOffset: number, timeoutMs: number): Promise<void>;
}

/** A write or load reached a broker that does not lead the group's `__consumer_offsets` partition. */
export class NotCoordinatorError extends Error {
  readonly code = "NOT_COORDINATOR";
  readonly errorCode = ErrorCode.NOT_COORDINATOR;
  constructor(message: string) {
    super(message);
    this.name = "NotCoordinatorError";
  }
}

/** Bytes read per step when loading a partition: bounds memory during start-up. */
const REPLAY_READ_BYTES = 1024 * 1024;
/** acks=all for offsets writes, as Kafka's coordinator writes them. */
const ACKS_ALL = -1;
/** Kafka's offsets.topic.segment.bytes default: small segments let compaction reclaim space early. */
const OFFSETS_SEGMENT_BYTES = 104_857_600;

/**
 * `__consumer_offsets` as partitions of this broker: writes go through the
 * leader's log and, with replication, wait for the ISR like an acks=all
 * produce; without it (single-replica semantics) an append is committed once durable.
 */
export class BrokerOffsetsLog implements OffsetsLog {
  private creating: Promise<void> | undefined;

  constructor(
    private readonly config: GroupCoordinatorConfig,
    private readonly metadata: MetadataStore,
    private readonly topics: TopicManager,
    private readonly partitions: PartitionManager,
    private readonly replication: OffsetsReplication | undefined,
  ) {}

  partitionCount(): number | null {
    return this.metadata.topic(OFFSETS_TOPIC)?.partitionCount ?? null;
  }

  /** offsets.topic.replication.factor, capped by the brokers registered and unfenced now. */
  replicationFactor(): number {
    const live = this.metadata.brokers().filter((b) => !b.fenced).length;
    return Math.max(1, Math.min(this.config.offsetsReplicationFactor, live));
  }

  create(): Promise<void> {
    if (this.partitionCount() !== null) return Promise.resolve();
    this.creating ??= this.topics
      .createTopic({
        name: OFFSETS_TOPIC,
        numPartitions: this.config.offsetsPartitionCount,
        replicationFactor: this.replicationFactor(),
        configs: { "cleanup.policy": "compact", "compression.type": "producer", "segment.bytes": String(OFFSETS_SEGMENT_BYTES) },
      })
      .then(
        () => undefined,
        (err: unknown) => {
          if (err instanceof TopicOperationError && err.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) return;
          throw err;
        },
      )
      .finally(() => {
        this.creating = undefined;
      });
    return this.creating;
  }

  private leaderPartition(partition: number): Partition {
    const p = this.partitions.get(OFFSETS_TOPIC, partition);
    if (!p?.isLeader) throw new NotCoordinatorError(`this broker does not lead ${OFFSETS_TOPIC}-${partition}`);
    return p;
  }

  async append(partition: number, records: readonly OffsetsRecord[], timestampMs: number): Promise<void> {
    const p = this.leaderPartition(partition);
    this.replication?.checkProduce(OFFSETS_TOPIC, partition, ACKS_ALL);
    const info = await this.partitions.append(p, buildRecordBatch({ records, timestamp: timestampMs }));
    await this.replication?.waitForReplication(OFFSETS_TOPIC, partition, info.lastOffset, this.config.offsetsCommitTimeoutMs);
  }

  async awaitCommitted(partition: number, timeoutMs: number): Promise<boolean> {
    const log = this.leaderPartition(partition).log;
    const end = log.logEndOffset;
    if (log.highWatermark >= end) return true;
    if (!this.replication) return false;
    try {
      await this.replication.waitForReplication(OFFSETS_TOPIC, partition, end - 1, timeoutMs);
      return true;
    } catch (err) {
      if ((err as { errorCode?: unknown }).errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER) throw new NotCoordinatorError(`leadership of ${OFFSETS_TOPIC}-${partition} moved while loading`);
      // Timed out, or the ISR is below min.insync.replicas: the caller retries while it leads.
      return false;
    }
  }

  async replay(partition: number, onRecord: (record: OffsetsRecord, timestampMs: number) => void): Promise<void> {
    const p = this.partitions.get(OFFSETS_TOPIC, partition);
    if (!p) return;
    const log = p.log;
    let offset = log.logStartOffset;
    const end = log.highWatermark;
    while (offset < end) {
      const read = await log.read(offset, REPLAY_READ_BYTES, end);
      if (read.nextOffset <= offset) break;
      for (const batch of iterateBatches(read.records)) {
        if (batch.isControl) continue;
        for (const record of iterateRecords(batch)) {
          if (record.offset < offset || record.offset >= end || record.key === null) continue;
          onRecord({ key: Buffer.from(record.key), value: record.value === null ? null : Buffer.from(record.value) }, record.timestamp);
        }
      }
      offset = read.nextOffset;
    }
  }
}
