import { ErrorCode, buildRecordBatch, iterateBatches, iterateRecords } from "@samsa/protocol";
import type { MetadataStore } from "../metadata/metadata-store.js";
import { TopicOperationError, type TopicManager } from "../metadata/topic-manager.js";
import type { PartitionManager } from "../partitions/partition-manager.js";
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
  /** Appends the records as one batch; resolves once they are durable. */
  append(partition: number, records: readonly OffsetsRecord[], timestampMs: number): Promise<void>;
  /** Reads the partition from its start to its end, in offset order. */
  replay(partition: number, onRecord: (record: OffsetsRecord, timestampMs: number) => void): Promise<void>;
}

/** Bytes read per step when loading a partition: bounds memory during start-up. */
const REPLAY_READ_BYTES = 1024 * 1024;
/** Kafka's offsets.topic.segment.bytes default: small segments let compaction reclaim space early. */
const OFFSETS_SEGMENT_BYTES = 104_857_600;

/** `__consumer_offsets` as partitions of this broker. */
export class BrokerOffsetsLog implements OffsetsLog {
  private creating: Promise<void> | undefined;

  constructor(
    private readonly config: GroupCoordinatorConfig,
    private readonly metadata: MetadataStore,
    private readonly topics: TopicManager,
    private readonly partitions: PartitionManager,
  ) {}

  partitionCount(): number | null {
    return this.metadata.topic(OFFSETS_TOPIC)?.partitionCount ?? null;
  }

  create(): Promise<void> {
    if (this.partitionCount() !== null) return Promise.resolve();
    this.creating ??= this.topics
      .createTopic({
        name: OFFSETS_TOPIC,
        numPartitions: this.config.offsetsPartitionCount,
        replicationFactor: this.config.offsetsReplicationFactor,
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

  async append(partition: number, records: readonly OffsetsRecord[], timestampMs: number): Promise<void> {
    const p = this.partitions.get(OFFSETS_TOPIC, partition);
    if (!p) throw new TopicOperationError(ErrorCode.NOT_COORDINATOR, `${OFFSETS_TOPIC}-${partition} is not hosted here`);
    await this.partitions.append(p, buildRecordBatch({ records, timestamp: timestampMs }));
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
          if (record.offset < offset || record.key === null) continue;
          onRecord({ key: Buffer.from(record.key), value: record.value === null ? null : Buffer.from(record.value) }, record.timestamp);
        }
      }
      offset = read.nextOffset;
    }
  }
}
