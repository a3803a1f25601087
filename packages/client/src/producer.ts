import type { CompressionCode, ProduceResponse } from "@samsa/protocol";
import { produceApi } from "./apis.js";
import { encodeBatch } from "./batch-codec.js";
import { BrokerError, ClientError } from "./errors.js";
import type { KafkaClient } from "./kafka-client.js";
import { DefaultPartitioner, type Partitioner } from "./partitioner.js";
import { estimateRecordBytes, toOutgoing, type OutgoingRecord, type ProducerRecord, type RecordMetadata } from "./records.js";

export type Acks = 0 | 1 | -1;
export type CompressionName = "none" | "gzip" | "snappy" | "lz4" | "zstd";
export const COMPRESSION_CODES: Record<CompressionName, CompressionCode> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

export interface ProducerOptions {
  /** 0: fire and forget, 1: leader wrote it, -1 (all): every in-sync replica has it. */
  acks?: Acks;
  compression?: CompressionName;
  /** How long a partition's batch may wait for more records before it is sent. */
  lingerMs?: number;
  /** A partition's batch is sent once its records reach this size. */
  batchSizeBytes?: number;
  /** Records waiting in batches; `send` waits for room beyond this. */
  maxBufferedBytes?: number;
  /** How long the broker may wait for acks=all replication. */
  timeoutMs?: number;
  partitioner?: Partitioner;
}

/** One partition's part of a Produce answer. */
export interface PartitionProduceResult {
  topic: string;
  partition: number;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
}

interface Waiter {
  index: number;
  resolve(m: RecordMetadata): void;
  reject(err: Error): void;
}

interface OpenBatch {
  topic: string;
  partition: number;
  records: OutgoingRecord[];
  waiters: Waiter[];
  bytes: number;
}

const DEFAULTS = {
  acks: -1 as Acks,
  lingerMs: 5,
  batchSizeBytes: 1024 * 1024,
  maxBufferedBytes: 64 * 1024 * 1024,
  timeoutMs: 30_000,
};

/**
 * Batches records per partition and sends each broker one Produce request
 * with every ready batch it leads. Stale leadership is retried (bounded) after
 * a metadata refresh; records in a batch share its fate.
 */
export class Producer {
  private readonly acks: Acks;
  private readonly compression: CompressionCode;
  private readonly lingerMs: number;
  private readonly batchSizeBytes: number;
  private readonly maxBufferedBytes: number;
  private readonly timeoutMs: number;
  private readonly partitioner: Partitioner;
  private readonly open = new Map<string, OpenBatch>();
  private lingerTimer: NodeJS.Timeout | null = null;
  private bufferedBytes = 0;
  private readonly roomWaiters: Array<() => void> = [];
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly client: KafkaClient,
    options: ProducerOptions = {},
  ) {
    this.acks = options.acks ?? DEFAULTS.acks;
    this.compression = COMPRESSION_CODES[options.compression ?? "none"];
    if (this.compression === undefined) throw new ClientError("INVALID_ARGUMENT", `unknown compression '${options.compression}'`);
    this.lingerMs = options.lingerMs ?? DEFAULTS.lingerMs;
    this.batchSizeBytes = options.batchSizeBytes ?? DEFAULTS.batchSizeBytes;
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes;
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.partitioner = options.partitioner ?? new DefaultPartitioner();
  }

  /** Queues one record; resolves with its offset once its batch is acknowledged. */
  async send(record: ProducerRecord): Promise<RecordMetadata> {
    if (this.closed) throw new ClientError("PRODUCER_CLOSED", "producer is closed");
    const outgoing = toOutgoing(record, Date.now());
    const partition = record.partition ?? (await this.choosePartition(record.topic, outgoing.key));
    const size = estimateRecordBytes(outgoing);
    while (this.bufferedBytes > 0 && this.bufferedBytes + size > this.maxBufferedBytes) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    return new Promise<RecordMetadata>((resolve, reject) => {
      const key = `${record.topic}\u0000${partition}`;
      let batch = this.open.get(key);
      if (!batch) {
        batch = { topic: record.topic, partition, records: [], waiters: [], bytes: 0 };
        this.open.set(key, batch);
      }
      batch.waiters.push({ index: batch.records.length, resolve, reject });
      batch.records.push(outgoing);
      batch.bytes += size;
      this.bufferedBytes += size;
      if (batch.bytes >= this.batchSizeBytes) {
        this.open.delete(key);
        this.track(this.sendBatches([batch]));
      } else {
        this.scheduleLinger();
      }
    });
  }

  /** Sends many records and resolves with their metadata in order. */
  sendAll(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    return Promise.all(records.map((r) => this.send(r)));
  }

  /** Sends every open batch now and waits for all outstanding requests. */
  async flush(): Promise<void> {
    this.drainOpen();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  /**
   * Sends one pre-encoded record batch to a partition's leader, once, without
   * batching or retries: for tests that need exact bytes (chosen producer id,
   * sequence, CRC) and for the perf tool's fast path.
   */
  async produceRawBatch(topic: string, partition: number, batch: Buffer | Buffer[], options: { acks?: Acks; timeoutMs?: number } = {}): Promise<PartitionProduceResult> {
    const acks = options.acks ?? this.acks;
    const { broker } = await this.client.partitionLeader(topic, partition);
    const conn = await this.client.connectionTo(broker.nodeId);
    const request = { transactionalId: null, acks, timeoutMs: options.timeoutMs ?? this.timeoutMs, topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }] };
    if (acks === 0) {
      await conn.callWithoutResponse(produceApi, request);
      return { topic, partition, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
    }
    const response = await conn.call(produceApi, request);
    const p = findPartition(response, topic, partition);
    if (p.errorCode !== 0) throw BrokerError.fromCode(p.errorCode, `produce to ${topic}-${partition}`, p.errorMessage);
    return { topic, partition, baseOffset: p.baseOffset, logAppendTimeMs: p.logAppendTimeMs ?? -1, logStartOffset: p.logStartOffset ?? -1 };
  }

  private async choosePartition(topic: string, key: Buffer | null): Promise<number> {
    const info = await this.client.topic(topic);
    return this.partitioner.partition(topic, key, info.partitions.length);
  }

  private scheduleLinger(): void {
    if (this.lingerTimer) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = null;
      this.drainOpen();
    }, this.lingerMs);
  }

  private drainOpen(): void {
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = null;
    }
    if (this.open.size === 0) return;
    const batches = [...this.open.values()];
    this.open.clear();
    this.track(this.sendBatches(batches));
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Sends batches grouped by leader; retries the ones whose leader moved. Never rejects. */
  private async sendBatches(batches: OpenBatch[]): Promise<void> {
    let pending = batches.map((b) => ({ batch: b, bytes: encodeBatch(b.records, { compression: this.compression }) }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      const retry: typeof pending = [];
      const byLeader = new Map<number, typeof pending>();
      for (const item of pending) {
        try {
          const { broker } = await this.client.partitionLeader(item.batch.topic, item.batch.partition);
          let group = byLeader.get(broker.nodeId);
          if (!group) byLeader.set(broker.nodeId, (group = []));
          group.push(item);
        } catch (err) {
          this.settleOrRetry(item, err, attempt, retry);
        }
      }
      await Promise.all(
        [...byLeader].map(async ([nodeId, group]) => {
          try {
            const conn = await this.client.connectionTo(nodeId);
            const request = { transactionalId: null, acks: this.acks, timeoutMs: this.timeoutMs, topicData: topicDataOf(group) };
            if (this.acks === 0) {
              await conn.callWithoutResponse(produceApi, request);
              for (const item of group) this.resolveBatch(item.batch, -1, -1);
              return;
            }
            const response = await conn.call(produceApi, request);
            for (const item of group) {
              const p = findPartition(response, item.batch.topic, item.batch.partition);
              if (p.errorCode === 0) this.resolveBatch(item.batch, p.baseOffset, p.logAppendTimeMs ?? -1);
              else this.settleOrRetry(item, BrokerError.fromCode(p.errorCode, `produce to ${item.batch.topic}-${item.batch.partition}`, p.errorMessage), attempt, retry);
            }
          } catch (err) {
            for (const item of group) this.settleOrRetry(item, err, attempt, retry);
          }
        }),
      );
      if (retry.length > 0) {
        await new Promise((r) => setTimeout(r, Math.min(1_000, 50 * 2 ** (attempt - 1))));
        await this.client.refreshMetadata([...new Set(retry.map((i) => i.batch.topic))]).catch(() => undefined);
      }
      pending = retry;
    }
  }

  private settleOrRetry(item: { batch: OpenBatch; bytes: Buffer }, err: unknown, attempt: number, retry: Array<{ batch: OpenBatch; bytes: Buffer }>): void {
    const retriable = err instanceof BrokerError ? err.retriable || err.errorCode === 3 || err.errorCode === 6 : err instanceof ClientError && err.code !== "UNSUPPORTED_VERSION";
    if (retriable && attempt < this.client.maxAttempts) retry.push(item);
    else this.rejectBatch(item.batch, err as Error);
  }

  private resolveBatch(batch: OpenBatch, baseOffset: number, logAppendTimeMs: number): void {
    this.release(batch);
    for (const w of batch.waiters) {
      w.resolve({
        topic: batch.topic,
        partition: batch.partition,
        offset: baseOffset < 0 ? -1 : baseOffset + w.index,
        timestamp: logAppendTimeMs >= 0 ? logAppendTimeMs : batch.records[w.index]!.timestamp,
      });
    }
  }

  private rejectBatch(batch: OpenBatch, err: Error): void {
    this.release(batch);
    for (const w of batch.waiters) w.reject(err);
  }

  private release(batch: OpenBatch): void {
    this.bufferedBytes -= batch.bytes;
    for (const wake of this.roomWaiters.splice(0)) wake();
  }
}

function topicDataOf(group: ReadonlyArray<{ batch: OpenBatch; bytes: Buffer }>) {
  const byTopic = new Map<string, Array<{ index: number; records: Buffer }>>();
  for (const { batch, bytes } of group) {
    let parts = byTopic.get(batch.topic);
    if (!parts) byTopic.set(batch.topic, (parts = []));
    parts.push({ index: batch.partition, records: bytes });
  }
  return [...byTopic].map(([name, partitionData]) => ({ name, partitionData }));
}

function findPartition(response: ProduceResponse, topic: string, partition: number) {
  const p = response.responses.find((t) => t.name === topic)?.partitionResponses.find((x) => x.index === partition);
  if (!p) throw new ClientError("MALFORMED_RESPONSE", `Produce answer has no entry for ${topic}-${partition}`);
  return p;
}
