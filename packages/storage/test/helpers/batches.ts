import { BATCH_HEADER_BYTES, BatchField, RecordBatchView } from "@samsa/protocol";

export interface TestRecord {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  timestamp?: number;
}

function zigzag(n: number): bigint {
  const v = BigInt(n);
  return v >= 0n ? v << 1n : ((-v) << 1n) - 1n;
}

function varint(n: number): Buffer {
  let v = zigzag(n);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return Buffer.from(out);
}

function bytesField(value: Buffer | string | null | undefined): Buffer {
  if (value === null || value === undefined) return varint(-1);
  const b = typeof value === "string" ? Buffer.from(value) : value;
  return Buffer.concat([varint(b.length), b]);
}

/**
 * A magic-2 uncompressed batch built from the format description (test
 * input; independent of the code under test).
 */
export function buildBatch(records: readonly TestRecord[], opts: { baseOffset?: number; epoch?: number; baseTimestamp?: number; producerId?: number } = {}): Buffer {
  const baseTimestamp = opts.baseTimestamp ?? records[0]?.timestamp ?? 0;
  let maxTimestamp = -1;
  const encoded = records.map((r, i) => {
    const ts = r.timestamp ?? baseTimestamp;
    maxTimestamp = Math.max(maxTimestamp, ts);
    const body = Buffer.concat([Buffer.from([0]), varint(ts - baseTimestamp), varint(i), bytesField(r.key), bytesField(r.value), varint(0)]);
    return Buffer.concat([varint(body.length), body]);
  });
  const recordsBytes = Buffer.concat(encoded);
  const buf = Buffer.alloc(BATCH_HEADER_BYTES + recordsBytes.length);
  buf.writeBigInt64BE(BigInt(opts.baseOffset ?? 0), BatchField.baseOffset);
  buf.writeInt32BE(buf.length - 12, BatchField.batchLength);
  buf.writeInt32BE(opts.epoch ?? -1, BatchField.partitionLeaderEpoch);
  buf.writeInt8(2, BatchField.magic);
  buf.writeInt16BE(0, BatchField.attributes);
  buf.writeInt32BE(Math.max(records.length - 1, 0), BatchField.lastOffsetDelta);
  buf.writeBigInt64BE(BigInt(baseTimestamp), BatchField.baseTimestamp);
  buf.writeBigInt64BE(BigInt(maxTimestamp), BatchField.maxTimestamp);
  buf.writeBigInt64BE(BigInt(opts.producerId ?? -1), BatchField.producerId);
  buf.writeInt16BE(-1, BatchField.producerEpoch);
  buf.writeInt32BE(-1, BatchField.baseSequence);
  buf.writeInt32BE(records.length, BatchField.recordsCount);
  recordsBytes.copy(buf, BATCH_HEADER_BYTES);
  new RecordBatchView(buf).writeCrc();
  return buf;
}

/** A batch of `count` records whose values are `size` bytes derived from `seed`. */
export function sizedBatch(count: number, size: number, seed = 0, timestamp = 1_000): Buffer {
  const records: TestRecord[] = [];
  for (let i = 0; i < count; i++) {
    const value = Buffer.alloc(size, (seed + i) & 0xff);
    records.push({ key: `k${seed}-${i}`, value, timestamp });
  }
  return buildBatch(records);
}

export interface ParsedBatch {
  baseOffset: number;
  lastOffset: number;
  epoch: number;
  crcValid: boolean;
  bytes: Buffer;
}

/** Splits stored bytes into batches (test-side parser). */
export function splitBatches(buf: Buffer): ParsedBatch[] {
  const out: ParsedBatch[] = [];
  let at = 0;
  while (at + 12 <= buf.length) {
    const size = buf.readInt32BE(at + 8) + 12;
    const view = new RecordBatchView(buf, at);
    out.push({ baseOffset: view.baseOffset, lastOffset: view.lastOffset, epoch: view.partitionLeaderEpoch, crcValid: view.isCrcValid(), bytes: buf.subarray(at, at + size) });
    at += size;
  }
  return out;
}
