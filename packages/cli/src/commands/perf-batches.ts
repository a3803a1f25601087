import { encodeBatch, restampBatch, type OutgoingRecord } from "@samsa/client";
import type { CompressionCode } from "@samsa/protocol";

/**
 * Encoded batches for `perf produce`, built once and re-sent. Every record of
 * a perf run carries the same payload (as in kafka-producer-perf-test), so
 * only the batch timestamps and CRC change between sends; re-encoding the
 * records each time would make the tool, not the broker, the bottleneck.
 *
 * A batch is handed out by `take` and must be `give`n back once its request
 * has been answered: the socket may still reference its bytes until then.
 */
export class PerfBatchPool {
  private readonly free = new Map<number, Buffer[]>();

  constructor(
    private readonly payload: Buffer,
    private readonly compression: CompressionCode,
  ) {}

  /** A batch of `records` records dated `timestampMs`. */
  take(records: number, timestampMs: number): Buffer {
    const batch = this.free.get(records)?.pop();
    if (batch === undefined) return this.build(records, timestampMs);
    restampBatch(batch, timestampMs);
    return batch;
  }

  give(records: number, batch: Buffer): void {
    let list = this.free.get(records);
    if (!list) this.free.set(records, (list = []));
    list.push(batch);
  }

  private build(records: number, timestampMs: number): Buffer {
    const template: OutgoingRecord = { key: null, value: this.payload, headers: [], timestamp: timestampMs };
    return encodeBatch(new Array<OutgoingRecord>(records).fill(template), { compression: this.compression });
  }
}
