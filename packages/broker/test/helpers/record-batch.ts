import { BatchField, BATCH_HEADER_BYTES, RecordBatchView, Writer } from "@samsa/protocol";

export interface TestRecord {
  key?: string | null;
  value: string | null;
  timestampMs?: number;
}

/** Builds an uncompressed magic-2 record batch (test-only encoder). */
export function buildBatch(records: readonly TestRecord[], baseTimestampMs = Date.now()): Buffer {
  const body = new Writer();
  records.forEach((r, i) => {
    const rec = new Writer();
    rec.int8(0);
    rec.varlong((r.timestampMs ?? baseTimestampMs) - baseTimestampMs);
    rec.varint(i);
    const key = r.key === undefined || r.key === null ? null : Buffer.from(r.key);
    const value = r.value === null ? null : Buffer.from(r.value);
    if (key === null) rec.varint(-1);
    else {
      rec.varint(key.length);
      rec.raw(key);
    }
    if (value === null) rec.varint(-1);
    else {
      rec.varint(value.length);
      rec.raw(value);
    }
    rec.varint(0);
    const bytes = rec.toBuffer();
    body.varint(bytes.length);
    body.raw(bytes);
  });
  const recordBytes = body.toBuffer();
  const buf = Buffer.alloc(BATCH_HEADER_BYTES + recordBytes.length);
  const maxTs = Math.max(baseTimestampMs, ...records.map((r) => r.timestampMs ?? baseTimestampMs));
  buf.writeBigInt64BE(0n, BatchField.baseOffset);
  buf.writeInt32BE(buf.length - 12, BatchField.batchLength);
  buf.writeInt32BE(-1, BatchField.partitionLeaderEpoch);
  buf.writeInt8(2, BatchField.magic);
  buf.writeInt16BE(0, BatchField.attributes);
  buf.writeInt32BE(records.length - 1, BatchField.lastOffsetDelta);
  buf.writeBigInt64BE(BigInt(baseTimestampMs), BatchField.baseTimestamp);
  buf.writeBigInt64BE(BigInt(maxTs), BatchField.maxTimestamp);
  buf.writeBigInt64BE(-1n, BatchField.producerId);
  buf.writeInt16BE(-1, BatchField.producerEpoch);
  buf.writeInt32BE(-1, BatchField.baseSequence);
  buf.writeInt32BE(records.length, BatchField.recordsCount);
  recordBytes.copy(buf, BATCH_HEADER_BYTES);
  new RecordBatchView(buf).writeCrc();
  return buf;
}

/** Splits fetched record bytes into batch views. */
export function batchesOf(records: Buffer | Buffer[] | null | undefined): RecordBatchView[] {
  if (!records) return [];
  const buf = Array.isArray(records) ? Buffer.concat(records) : records;
  const out: RecordBatchView[] = [];
  let at = 0;
  while (at + 12 <= buf.length) {
    const v = new RecordBatchView(buf, at);
    if (at + v.sizeBytes > buf.length) break;
    out.push(v);
    at += v.sizeBytes;
  }
  return out;
}
