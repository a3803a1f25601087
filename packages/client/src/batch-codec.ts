import { BatchField, buildRecordBatch, iterateBatches, iterateRecords, RecordBatchView, type CompressionCode } from "@samsa/protocol";
import type { ConsumedRecord, OutgoingRecord } from "./records.js";

export interface EncodeBatchOptions {
  compression?: CompressionCode;
  /** Idempotent/transactional producers set these; plain producers leave them at -1. */
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
}

/** One record batch (magic 2) for a Produce request; offsets are assigned by the leader. */
export function encodeBatch(records: readonly OutgoingRecord[], options: EncodeBatchOptions = {}): Buffer {
  return buildRecordBatch({
    records,
    compression: options.compression,
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    baseSequence: options.baseSequence,
  });
}

/**
 * Appends to `out` the records of a fetched record set at or after
 * `fetchOffset` (a batch may start before it), skipping control batches.
 * Returns the next offset to fetch: one past the last complete batch, or
 * `fetchOffset` when none was complete. A trailing partial batch (cut off by
 * the fetch size) is ignored; it comes again in the next fetch.
 */
export function decodeRecords(records: Buffer | Buffer[], topic: string, partition: number, fetchOffset: number, out: ConsumedRecord[]): number {
  const buf = Array.isArray(records) ? Buffer.concat(records) : records;
  let next = fetchOffset;
  for (const batch of iterateBatches(buf, { allowPartialTail: true })) {
    const batchEnd = batch.nextOffset;
    if (batchEnd <= fetchOffset) continue;
    if (!batch.isControl) {
      const logAppendTime = batch.isLogAppendTime;
      for (const r of iterateRecords(batch)) {
        if (r.offset < fetchOffset) continue;
        out.push({
          topic,
          partition,
          offset: r.offset,
          timestamp: r.timestamp,
          logAppendTime,
          // Views into the fetch response (no copy); they keep its buffer alive.
          key: r.key,
          value: r.value,
          headers: r.headers,
        });
      }
    }
    next = Math.max(next, batchEnd);
  }
  return next;
}

/**
 * Re-dates an encoded batch in place: sets its base and max timestamp to
 * `timestampMs` and recomputes the CRC. The records' timestamp deltas are
 * kept, so a batch whose records share one timestamp (delta 0) becomes a
 * batch created at `timestampMs`. Lets a sender encode a batch once and send
 * it many times; the buffer must not be in flight while it is re-dated.
 */
export function restampBatch(batch: Buffer, timestampMs: number): void {
  const view = new RecordBatchView(batch, 0);
  const shift = timestampMs - view.baseTimestamp;
  batch.writeBigInt64BE(BigInt(timestampMs), BatchField.baseTimestamp);
  batch.writeBigInt64BE(BigInt(view.maxTimestamp + shift), BatchField.maxTimestamp);
  view.writeCrc();
}

/**
 * The offset after the last complete batch of a fetched record set (from
 * batch headers only, no CRC check or record decoding), or `fetchOffset`
 * when no complete batch reaches past it.
 */
export function nextFetchOffset(records: Buffer | Buffer[], fetchOffset: number): number {
  const buf = Array.isArray(records) ? Buffer.concat(records) : records;
  let next = fetchOffset;
  for (const batch of iterateBatches(buf, { allowPartialTail: true, verifyCrc: false })) next = Math.max(next, batch.nextOffset);
  return next;
}
