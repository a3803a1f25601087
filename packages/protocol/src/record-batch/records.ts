import { InvalidRecordError, ProtocolDecodeError } from "../errors.js";
import { Reader } from "../wire/reader.js";
import { BATCH_HEADER_BYTES, RecordBatchView } from "./batch-header.js";
import { decompressRecords, DEFAULT_MAX_DECOMPRESSED_BYTES } from "./compression.js";

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** One record of a batch, with absolute offset and timestamp. */
export interface KafkaRecord {
  offset: number;
  timestamp: number;
  /** Subarray of the batch (or of its decompressed body); copy it to keep it beyond the buffer's life. */
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** Per-record attributes byte (unused by Kafka so far, kept for completeness). */
  attributes: number;
  /** Producer sequence of this record, or -1 for batches without idempotence. */
  sequence: number;
}

export interface RecordIterationOptions {
  maxDecompressedBytes?: number;
}

const INT32_MAX = 0x7fffffff;

/** Kafka's sequence arithmetic: sequences wrap from INT32_MAX back to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1;
  return sequence + increment;
}

/** The batch's records section, decompressed when the batch is compressed. */
export function recordsBody(batch: RecordBatchView, options: RecordIterationOptions = {}): Buffer {
  const start = batch.offset + BATCH_HEADER_BYTES;
  const raw = batch.buf.subarray(start, batch.offset + batch.sizeBytes);
  return decompressRecords(batch.compression, raw, options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
}

/**
 * Iterates the records of one batch. Malformed records (bad lengths, counts that
 * disagree with the header, trailing bytes) raise `InvalidRecordError`; a body
 * that does not decompress raises `CorruptRecordError`.
 */
export function* iterateRecords(batch: RecordBatchView, options: RecordIterationOptions = {}): Generator<KafkaRecord> {
  const count = batch.recordsCount;
  if (count < 0) throw new InvalidRecordError(`batch declares ${count} records`);
  const body = recordsBody(batch, options);
  const r = new Reader(body);
  const baseOffset = batch.baseOffset;
  const baseTimestamp = batch.baseTimestamp;
  const logAppendTime = batch.isLogAppendTime ? batch.maxTimestamp : -1;
  const baseSequence = batch.baseSequence;
  for (let i = 0; i < count; i++) {
    yield readRecord(r, baseOffset, baseTimestamp, logAppendTime, baseSequence, i);
  }
  if (r.remaining !== 0) {
    throw new InvalidRecordError(`${r.remaining} bytes follow the ${count} records the batch declares`);
  }
}

/** All records of a batch as an array. */
export function readRecords(batch: RecordBatchView, options: RecordIterationOptions = {}): KafkaRecord[] {
  return [...iterateRecords(batch, options)];
}

function readRecord(
  r: Reader,
  baseOffset: number,
  baseTimestamp: number,
  logAppendTime: number,
  baseSequence: number,
  index: number,
): KafkaRecord {
  try {
    const length = r.varint();
    if (length < 0 || length > r.remaining) {
      throw new InvalidRecordError(`record ${index} declares ${length} bytes, ${r.remaining} remain`);
    }
    const end = r.pos + length;
    const attributes = r.int8();
    const timestampDelta = r.varlong();
    const offsetDelta = r.varint();
    const key = readVarBytes(r);
    const value = readVarBytes(r);
    const headerCount = r.varint();
    if (headerCount < 0 || headerCount > end - r.pos) {
      throw new InvalidRecordError(`record ${index} declares ${headerCount} headers`);
    }
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const keyLength = r.varint();
      if (keyLength < 0) throw new InvalidRecordError(`record ${index} has a header with a null key`);
      const headerKey = r.buf.toString("utf8", r.pos, r.pos + keyLength);
      r.skip(keyLength);
      headers.push({ key: headerKey, value: readVarBytes(r) });
    }
    if (r.pos !== end) {
      throw new InvalidRecordError(`record ${index} declares ${length} bytes but its fields use ${length + r.pos - end}`);
    }
    return {
      offset: baseOffset + offsetDelta,
      timestamp: logAppendTime >= 0 ? logAppendTime : baseTimestamp + timestampDelta,
      key,
      value,
      headers,
      attributes,
      sequence: baseSequence < 0 ? -1 : incrementSequence(baseSequence, offsetDelta),
    };
  } catch (err) {
    if (err instanceof ProtocolDecodeError) {
      throw new InvalidRecordError(`record ${index} is malformed: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

function readVarBytes(r: Reader): Buffer | null {
  const n = r.varint();
  if (n < -1) throw new InvalidRecordError(`negative field length ${n}`);
  if (n === -1) return null;
  if (n > r.remaining) throw new InvalidRecordError(`field of ${n} bytes overruns the record`);
  const b = r.buf.subarray(r.pos, r.pos + n);
  r.pos += n;
  return b;
}
