import { Writer } from "../wire/writer.js";
import {
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  BatchAttribute,
  BatchField,
  Compression,
  type CompressionCode,
  CURRENT_MAGIC,
  RecordBatchView,
} from "./batch-header.js";
import { compressRecords } from "./compression.js";
import type { KafkaRecord } from "./records.js";
import { varlongSize } from "./varint-size.js";

export interface RecordInput {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: readonly { key: string; value: Buffer | string | null }[];
  /** Defaults to the batch's `timestamp`. */
  timestamp?: number;
  /** Position in the batch; defaults to the record's index. */
  offsetDelta?: number;
}

export interface RecordBatchInput {
  records: readonly RecordInput[];
  baseOffset?: number;
  /** -1 when written by producers; the leader stamps its epoch on append. */
  partitionLeaderEpoch?: number;
  /** Timestamp of records that have none (ms since epoch); required when any record lacks one. */
  timestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  compression?: CompressionCode;
  transactional?: boolean;
  control?: boolean;
  logAppendTime?: boolean;
  /**
   * The batch's last offset delta when it must stay past its last record:
   * compaction keeps a cleaned batch's original last offset, so the
   * producer's sequence range (baseSequence + lastOffsetDelta) stays intact.
   */
  lastOffsetDelta?: number;
}

const NO_PRODUCER_ID = -1;
const NO_PRODUCER_EPOCH = -1;
const NO_SEQUENCE = -1;
const NO_PARTITION_LEADER_EPOCH = -1;

interface PreparedRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: Buffer; value: Buffer | null }[];
  timestamp: number;
  offsetDelta: number;
}

function toBytes(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === "string" ? Buffer.from(v, "utf8") : v;
}

function bytesSize(b: Buffer | null): number {
  return b === null ? 1 : varlongSize(b.length) + b.length;
}

/** Builds one record batch (magic 2) with a valid CRC. */
export function buildRecordBatch(input: RecordBatchInput): Buffer {
  const { records } = input;
  if (records.length === 0) throw new RangeError("a record batch needs at least one record");
  const prepared: PreparedRecord[] = records.map((rec, i) => {
    const timestamp = rec.timestamp ?? input.timestamp;
    if (timestamp === undefined) throw new TypeError(`record ${i} has no timestamp and the batch gives none`);
    return {
      key: toBytes(rec.key),
      value: toBytes(rec.value),
      headers: (rec.headers ?? []).map((h) => ({ key: Buffer.from(h.key, "utf8"), value: toBytes(h.value) })),
      timestamp,
      offsetDelta: rec.offsetDelta ?? i,
    };
  });
  const baseTimestamp = prepared[0]!.timestamp;
  let maxTimestamp = baseTimestamp;
  let lastOffsetDelta = 0;
  for (const rec of prepared) {
    if (rec.timestamp > maxTimestamp) maxTimestamp = rec.timestamp;
    if (rec.offsetDelta > lastOffsetDelta) lastOffsetDelta = rec.offsetDelta;
  }
  if (input.lastOffsetDelta !== undefined) {
    if (!(Number.isInteger(input.lastOffsetDelta) && input.lastOffsetDelta >= lastOffsetDelta)) {
      throw new RangeError(`lastOffsetDelta ${input.lastOffsetDelta} is below the last record's offset delta ${lastOffsetDelta}`);
    }
    lastOffsetDelta = input.lastOffsetDelta;
  }

  const w = new Writer(64 * prepared.length);
  for (const rec of prepared) writeRecord(w, rec, baseTimestamp);
  const compression = input.compression ?? Compression.none;
  const body = compressRecords(compression, w.toBuffer());

  let attributes = compression;
  if (input.logAppendTime) attributes |= BatchAttribute.logAppendTime;
  if (input.transactional) attributes |= BatchAttribute.transactional;
  if (input.control) attributes |= BatchAttribute.control;

  const batch = Buffer.allocUnsafe(BATCH_HEADER_BYTES + body.length);
  body.copy(batch, BATCH_HEADER_BYTES);
  writeHeaderAndCrc(batch, {
    baseOffset: input.baseOffset ?? 0,
    partitionLeaderEpoch: input.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH,
    attributes,
    lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId: input.producerId ?? NO_PRODUCER_ID,
    producerEpoch: input.producerEpoch ?? NO_PRODUCER_EPOCH,
    baseSequence: input.baseSequence ?? NO_SEQUENCE,
    recordsCount: prepared.length,
  });
  return batch;
}

/** Fills the 61-byte header of `batch` (records already after it) and its CRC. */
function writeHeaderAndCrc(
  batch: Buffer,
  h: { baseOffset: number; partitionLeaderEpoch: number; attributes: number; lastOffsetDelta: number; baseTimestamp: number; maxTimestamp: number; producerId: number; producerEpoch: number; baseSequence: number; recordsCount: number },
): void {
  writeInt64(batch, BatchField.baseOffset, h.baseOffset);
  batch.writeInt32BE(batch.length - BATCH_LOG_OVERHEAD_BYTES, BatchField.batchLength);
  batch.writeInt32BE(h.partitionLeaderEpoch, BatchField.partitionLeaderEpoch);
  batch.writeInt8(CURRENT_MAGIC, BatchField.magic);
  batch.writeInt16BE(h.attributes, BatchField.attributes);
  batch.writeInt32BE(h.lastOffsetDelta, BatchField.lastOffsetDelta);
  writeInt64(batch, BatchField.baseTimestamp, h.baseTimestamp);
  writeInt64(batch, BatchField.maxTimestamp, h.maxTimestamp);
  writeInt64(batch, BatchField.producerId, h.producerId);
  batch.writeInt16BE(h.producerEpoch, BatchField.producerEpoch);
  batch.writeInt32BE(h.baseSequence, BatchField.baseSequence);
  batch.writeInt32BE(h.recordsCount, BatchField.recordsCount);
  new RecordBatchView(batch).writeCrc();
}

/** What an empty batch keeps of the batch it replaces. */
export interface EmptyRecordBatchInput {
  baseOffset: number;
  lastOffsetDelta: number;
  partitionLeaderEpoch: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  transactional?: boolean;
  logAppendTime?: boolean;
}

/**
 * A batch header with no records (magic 2, uncompressed), as Kafka's cleaner
 * writes when compaction removes every record of an active producer's last
 * batch: its offsets, producer id, epoch and sequence range survive, so the
 * producer's state can be rebuilt from the log and consumers step past it.
 */
export function buildEmptyRecordBatch(input: EmptyRecordBatchInput): Buffer {
  if (!(Number.isInteger(input.lastOffsetDelta) && input.lastOffsetDelta >= 0)) throw new RangeError(`lastOffsetDelta ${input.lastOffsetDelta} must be a non-negative integer`);
  let attributes: number = Compression.none;
  if (input.logAppendTime) attributes |= BatchAttribute.logAppendTime;
  if (input.transactional) attributes |= BatchAttribute.transactional;
  const batch = Buffer.alloc(BATCH_HEADER_BYTES);
  writeHeaderAndCrc(batch, { ...input, attributes, recordsCount: 0 });
  return batch;
}

function writeRecord(w: Writer, rec: PreparedRecord, baseTimestamp: number): void {
  const timestampDelta = rec.timestamp - baseTimestamp;
  let size = 1 + varlongSize(timestampDelta) + varlongSize(rec.offsetDelta) + bytesSize(rec.key) + bytesSize(rec.value);
  size += varlongSize(rec.headers.length);
  for (const h of rec.headers) size += varlongSize(h.key.length) + h.key.length + bytesSize(h.value);
  w.varint(size);
  w.int8(0);
  w.varlong(timestampDelta);
  w.varint(rec.offsetDelta);
  writeVarBytes(w, rec.key);
  writeVarBytes(w, rec.value);
  w.varint(rec.headers.length);
  for (const h of rec.headers) {
    w.varint(h.key.length);
    w.raw(h.key);
    writeVarBytes(w, h.value);
  }
}

function writeVarBytes(w: Writer, b: Buffer | null): void {
  if (b === null) {
    w.varint(-1);
  } else {
    w.varint(b.length);
    w.raw(b);
  }
}

function writeInt64(buf: Buffer, at: number, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`int64 value ${value} is not a safe integer`);
  buf.writeBigInt64BE(BigInt(value), at);
}

/** Control record types (the key of records in control batches). */
export const ControlRecordType = { abort: 0, commit: 1 } as const;

export interface ControlBatchInput {
  type: (typeof ControlRecordType)[keyof typeof ControlRecordType];
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  timestamp: number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
}

const CONTROL_RECORD_VERSION = 0;

/** A transaction marker: a transactional control batch with one commit/abort record. */
export function buildControlBatch(input: ControlBatchInput): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(CONTROL_RECORD_VERSION, 0);
  key.writeInt16BE(input.type, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(CONTROL_RECORD_VERSION, 0);
  value.writeInt32BE(input.coordinatorEpoch, 2);
  return buildRecordBatch({
    records: [{ key, value }],
    baseOffset: input.baseOffset,
    partitionLeaderEpoch: input.partitionLeaderEpoch,
    timestamp: input.timestamp,
    producerId: input.producerId,
    producerEpoch: input.producerEpoch,
    transactional: true,
    control: true,
  });
}

/** Reads the type of a control record (commit or abort marker), or null if the key is not one. */
export function controlRecordType(record: Pick<KafkaRecord, "key">): number | null {
  if (record.key === null || record.key.length < 4) return null;
  return record.key.readInt16BE(2);
}
