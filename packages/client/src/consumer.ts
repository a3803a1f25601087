import { iterateBatches, type FetchResponse, type RecordBatchView } from "@samsa/protocol";
import type { OffsetSpec } from "./admin.js";
import { Admin } from "./admin.js";
import { fetchApi } from "./apis.js";
import { decodeRecords, nextFetchOffset } from "./batch-codec.js";
import { BrokerError, ClientError, isRetriable, needsMetadataRefresh } from "./errors.js";
import type { KafkaClient } from "./kafka-client.js";
import type { ConsumedRecord } from "./records.js";

export interface ConsumerOptions {
  /** Long-poll: how long the broker may hold a fetch waiting for `minBytes`. */
  maxWaitMs?: number;
  minBytes?: number;
  /** Per fetch response. */
  maxBytes?: number;
  /** Per partition in one fetch (the broker still returns one whole batch if it is bigger). */
  partitionMaxBytes?: number;
  /** Where to restart when the position is out of range (e.g. deleted by retention). */
  autoOffsetReset?: "earliest" | "latest" | "none";
  /**
   * Send the next fetch as soon as a response arrives, before its records are
   * decoded and handed out, so the broker's read and the transfer overlap
   * with the caller's processing (Kafka consumers prefetch the same way).
   */
  fetchAhead?: boolean;
}

export interface PartitionAssignment {
  partition: number;
  /** A concrete offset, or where to look one up. */
  offset: number | OffsetSpec;
}

interface Position {
  topic: string;
  partition: number;
  /** Next offset to hand to the caller. */
  offset: number;
  /** Next offset to fetch: ahead of `offset` while a fetched response awaits decoding. */
  fetchOffset: number;
  highWatermark: number;
}

/** One partition's records of a fetch response, not yet decoded. */
interface FetchedPartition {
  pos: Position;
  fetchOffset: number;
  records: Buffer | Buffer[];
}

/** One partition's part of `pollBatches`. */
export interface FetchedBatches {
  topic: string;
  partition: number;
  /** Records below this offset (at the start of the first batch) were handed out before. */
  fetchOffset: number;
  /** CRC-checked views into the fetch response, control batches included. */
  batches: RecordBatchView[];
}

/** A fetch round sent ahead; its results count only if no seek or assign happened since. */
interface FetchAhead {
  generation: number;
  result: Promise<FetchedPartition[]>;
}

const DEFAULTS = {
  maxWaitMs: 500,
  minBytes: 1,
  maxBytes: 50 * 1024 * 1024,
  partitionMaxBytes: 1024 * 1024,
  fetchAhead: false,
};

/**
 * A consumer of explicitly assigned partitions (no groups, no commits):
 * long-polls each partition's leader and yields records in offset order per
 * partition.
 */
export class Consumer {
  private readonly options: Required<ConsumerOptions>;
  private readonly positions = new Map<string, Position>();
  private readonly admin: Admin;
  /** Bumped by seek and assign: fetches sent before are stale. */
  private generation = 0;
  private ahead: FetchAhead | null = null;

  constructor(
    private readonly client: KafkaClient,
    options: ConsumerOptions = {},
  ) {
    this.options = {
      maxWaitMs: options.maxWaitMs ?? DEFAULTS.maxWaitMs,
      minBytes: options.minBytes ?? DEFAULTS.minBytes,
      maxBytes: options.maxBytes ?? DEFAULTS.maxBytes,
      partitionMaxBytes: options.partitionMaxBytes ?? DEFAULTS.partitionMaxBytes,
      autoOffsetReset: options.autoOffsetReset ?? "latest",
      fetchAhead: options.fetchAhead ?? DEFAULTS.fetchAhead,
    };
    this.admin = new Admin(client);
  }

  /** Adds partitions of `topic` (all of them when `assignments` is omitted, from `defaultOffset`). */
  async assign(topic: string, assignments?: readonly PartitionAssignment[], defaultOffset: number | OffsetSpec = "latest"): Promise<void> {
    const wanted = assignments ?? (await this.client.topic(topic, { refresh: true })).partitions.map((p) => ({ partition: p.partition, offset: defaultOffset }));
    for (const a of wanted) {
      const offset = typeof a.offset === "number" ? a.offset : await this.lookup(topic, a.partition, a.offset);
      this.positions.set(keyOf(topic, a.partition), { topic, partition: a.partition, offset, fetchOffset: offset, highWatermark: -1 });
    }
    this.generation++;
  }

  /** Next offset to read per assigned partition. */
  assignment(): Array<{ topic: string; partition: number; offset: number; highWatermark: number }> {
    return [...this.positions.values()].map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset, highWatermark: p.highWatermark }));
  }

  seek(topic: string, partition: number, offset: number): void {
    const p = this.positions.get(keyOf(topic, partition));
    if (!p) throw new ClientError("NOT_ASSIGNED", `${topic}-${partition} is not assigned`);
    p.offset = offset;
    this.rewind();
  }

  /** True once every assigned partition has been read up to the high watermark seen in the last fetch. */
  get caughtUp(): boolean {
    for (const p of this.positions.values()) if (p.highWatermark < 0 || p.offset < p.highWatermark) return false;
    return true;
  }

  /**
   * One fetch round: a Fetch to each leader of an assigned partition, in
   * parallel. Returns the records received (possibly none after `maxWaitMs`).
   */
  async poll(): Promise<ConsumedRecord[]> {
    const fetched = await this.nextRound();
    const records: ConsumedRecord[] = [];
    try {
      for (const f of fetched) {
        const next = decodeRecords(f.records, f.pos.topic, f.pos.partition, f.fetchOffset, records);
        if (next > f.pos.offset) f.pos.offset = next;
      }
    } catch (err) {
      // Fetching went past bytes the caller never got: start again from what was handed out.
      this.rewind();
      throw err;
    }
    return records;
  }

  /**
   * Like `poll`, but hands out each partition's record batches without
   * decoding their records, for callers that work on whole batches.
   */
  async pollBatches(): Promise<FetchedBatches[]> {
    const fetched = await this.nextRound();
    const out: FetchedBatches[] = [];
    try {
      for (const f of fetched) {
        const buf = Array.isArray(f.records) ? Buffer.concat(f.records) : f.records;
        const batches: RecordBatchView[] = [];
        let next = f.fetchOffset;
        for (const batch of iterateBatches(buf, { allowPartialTail: true })) {
          if (batch.nextOffset <= f.fetchOffset) continue;
          batches.push(batch);
          next = Math.max(next, batch.nextOffset);
        }
        if (next > f.pos.offset) f.pos.offset = next;
        out.push({ topic: f.pos.topic, partition: f.pos.partition, fetchOffset: f.fetchOffset, batches });
      }
    } catch (err) {
      this.rewind();
      throw err;
    }
    return out;
  }

  /** The next round's fetched partitions: the one sent ahead if still current, else a fresh one. */
  private async nextRound(): Promise<FetchedPartition[]> {
    if (this.positions.size === 0) throw new ClientError("NOT_ASSIGNED", "no partitions assigned");
    const ahead = this.ahead;
    this.ahead = null;
    const generation = this.generation;
    const fetched = ahead !== null && ahead.generation === generation ? await ahead.result : await this.fetchRound(generation);
    if (this.options.fetchAhead && generation === this.generation) {
      const result = this.fetchRound(generation);
      // Its failure surfaces from the poll that takes it, not as an unhandled rejection.
      result.catch(() => undefined);
      this.ahead = { generation, result };
    }
    return fetched;
  }

  /** Drops fetches sent ahead: fetching resumes at the caller's positions. */
  private rewind(): void {
    this.generation++;
    this.ahead = null;
    for (const p of this.positions.values()) p.fetchOffset = p.offset;
  }

  /** Fetches from every leader and advances fetch positions; records stay encoded. */
  private async fetchRound(generation: number): Promise<FetchedPartition[]> {
    const byLeader = new Map<number, Position[]>();
    for (const pos of this.positions.values()) {
      try {
        const { broker } = await this.client.partitionLeader(pos.topic, pos.partition);
        let list = byLeader.get(broker.nodeId);
        if (!list) byLeader.set(broker.nodeId, (list = []));
        list.push(pos);
      } catch (err) {
        await this.recover(err);
      }
    }
    const fetched: FetchedPartition[] = [];
    await Promise.all(
      [...byLeader].map(async ([nodeId, partitions]) => {
        try {
          for (const f of await this.fetchFrom(nodeId, partitions, generation)) fetched.push(f);
        } catch (err) {
          await this.recover(err);
        }
      }),
    );
    return fetched;
  }

  /** Records as they arrive until `signal` aborts. */
  async *stream(signal?: AbortSignal): AsyncGenerator<ConsumedRecord> {
    while (!signal?.aborted) {
      for (const r of await this.poll()) {
        yield r;
        if (signal?.aborted) return;
      }
    }
  }

  private async fetchFrom(nodeId: number, partitions: Position[], generation: number): Promise<FetchedPartition[]> {
    const conn = await this.client.connectionTo(nodeId);
    const byTopic = new Map<string, Position[]>();
    for (const p of partitions) {
      let list = byTopic.get(p.topic);
      if (!list) byTopic.set(p.topic, (list = []));
      list.push(p);
    }
    const response: FetchResponse = await conn.call(
      fetchApi,
      {
        replicaId: -1,
        maxWaitMs: this.options.maxWaitMs,
        minBytes: this.options.minBytes,
        maxBytes: this.options.maxBytes,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [...byTopic].map(([topic, list]) => ({
          topic,
          partitions: list.map((p) => ({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: p.fetchOffset, logStartOffset: -1, partitionMaxBytes: this.options.partitionMaxBytes })),
        })),
        forgottenTopicsData: [],
        rackId: "",
      },
      // The broker may hold the request for maxWaitMs before answering.
      { timeoutMs: (this.client.options.requestTimeoutMs ?? 30_000) + this.options.maxWaitMs },
    );
    if (response.errorCode) throw BrokerError.fromCode(response.errorCode, "fetch");
    const out: FetchedPartition[] = [];
    // A seek or assign while this fetch was out makes its answer stale.
    if (generation !== this.generation) return out;
    for (const t of response.responses) {
      const topic = t.topic ?? "";
      for (const p of t.partitions) {
        const pos = this.positions.get(keyOf(topic, p.partitionIndex));
        if (!pos) continue;
        if (p.errorCode === 1 /* OFFSET_OUT_OF_RANGE */) {
          await this.resetOutOfRange(pos);
          continue;
        }
        if (p.errorCode !== 0) throw BrokerError.fromCode(p.errorCode, `fetch ${topic}-${p.partitionIndex}`);
        pos.highWatermark = p.highWatermark;
        if (p.records === null) continue;
        const fetchOffset = pos.fetchOffset;
        // Batch headers alone give the next position, so the next fetch can go out before the records are decoded.
        const next = nextFetchOffset(p.records, fetchOffset);
        if (next > fetchOffset) pos.fetchOffset = next;
        out.push({ pos, fetchOffset, records: p.records });
      }
    }
    return out;
  }

  private async resetOutOfRange(pos: Position): Promise<void> {
    const policy = this.options.autoOffsetReset;
    if (policy === "none") throw BrokerError.fromCode(1, `fetch ${pos.topic}-${pos.partition} at offset ${pos.offset}`);
    pos.offset = await this.lookup(pos.topic, pos.partition, policy);
    pos.fetchOffset = pos.offset;
  }

  private async lookup(topic: string, partition: number, spec: OffsetSpec): Promise<number> {
    const [found] = await this.admin.listOffsets(topic, spec, [partition]);
    if (!found) throw new ClientError("MALFORMED_RESPONSE", `no offset for ${topic}-${partition}`);
    return found.offset;
  }

  /** Transient failures back off briefly and refresh routing; others propagate. */
  private async recover(err: unknown): Promise<void> {
    if (!isRetriable(err)) throw err;
    await new Promise((r) => setTimeout(r, 100));
    if (needsMetadataRefresh(err)) await this.client.refreshMetadata().catch(() => undefined);
  }
}

function keyOf(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
