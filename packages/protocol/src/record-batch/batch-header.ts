import { crc32c } from "../crc32c.js";

/**
 * Byte layout of a Kafka record batch (magic 2). Every offset is from the start
 * of the batch; `batchLength` counts the bytes after the length field itself.
 */
export const BatchField = {
  baseOffset: 0, // int64
  batchLength: 8, // int32
  partitionLeaderEpoch: 12, // int32
  magic: 16, // int8
  crc: 17, // uint32, CRC-32C over attributes .. end of batch
  attributes: 21, // int16
  lastOffsetDelta: 23, // int32
  baseTimestamp: 27, // int64
  maxTimestamp: 35, // int64
  producerId: 43, // int64
  producerEpoch: 51, // int16
  baseSequence: 53, // int32
  recordsCount: 57, // int32
} as const;

/** Size of the fixed batch header; records start here. */
export const BATCH_HEADER_BYTES = 61;
/** baseOffset (8) + batchLength (4): bytes not counted by batchLength. */
export const BATCH_LOG_OVERHEAD_BYTES = 12;
export const CURRENT_MAGIC = 2;

export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionCode = (typeof Compression)[keyof typeof Compression];

/** Bits of the batch `attributes` field. */
export const BatchAttribute = {
  compressionMask: 0x07,
  logAppendTime: 0x08,
  transactional: 0x10,
  control: 0x20,
  deleteHorizon: 0x40,
} as const;

const ATTR_COMPRESSION_MASK = BatchAttribute.compressionMask;
const ATTR_TIMESTAMP_TYPE_LOG_APPEND = BatchAttribute.logAppendTime;
const ATTR_TRANSACTIONAL = BatchAttribute.transactional;
const ATTR_CONTROL = BatchAttribute.control;
const ATTR_DELETE_HORIZON = BatchAttribute.deleteHorizon;

function readInt64(buf: Buffer, at: number): number {
  // Offsets, timestamps and producer ids fit in 53 bits in practice; anything
  // larger is rejected instead of being silently rounded.
  const value = buf.readBigInt64BE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`int64 value ${value} at byte ${at} is outside the safe integer range`);
  }
  return Number(value);
}

/**
 * A zero-copy view of one record batch inside a larger buffer. Reads and the few
 * in-place writes the log needs (base offset, leader epoch) touch the bytes
 * directly; nothing is decoded until asked for.
 */
export class RecordBatchView {
  constructor(
    readonly buf: Buffer,
    readonly offset = 0,
  ) {}

  /** Whole batch bytes including the 12-byte log overhead. */
  get sizeBytes(): number {
    return BATCH_LOG_OVERHEAD_BYTES + this.batchLength;
  }
  get batchLength(): number {
    return this.buf.readInt32BE(this.offset + BatchField.batchLength);
  }
  get baseOffset(): number {
    return readInt64(this.buf, this.offset + BatchField.baseOffset);
  }
  set baseOffset(value: number) {
    this.buf.writeBigInt64BE(BigInt(value), this.offset + BatchField.baseOffset);
  }
  get lastOffsetDelta(): number {
    return this.buf.readInt32BE(this.offset + BatchField.lastOffsetDelta);
  }
  get lastOffset(): number {
    return this.baseOffset + this.lastOffsetDelta;
  }
  /** Offset one past the last record of the batch. */
  get nextOffset(): number {
    return this.lastOffset + 1;
  }
  get partitionLeaderEpoch(): number {
    return this.buf.readInt32BE(this.offset + BatchField.partitionLeaderEpoch);
  }
  set partitionLeaderEpoch(value: number) {
    this.buf.writeInt32BE(value, this.offset + BatchField.partitionLeaderEpoch);
  }
  get magic(): number {
    return this.buf.readInt8(this.offset + BatchField.magic);
  }
  get crc(): number {
    return this.buf.readUInt32BE(this.offset + BatchField.crc);
  }
  get attributes(): number {
    return this.buf.readInt16BE(this.offset + BatchField.attributes);
  }
  get compression(): number {
    return this.attributes & ATTR_COMPRESSION_MASK;
  }
  get isLogAppendTime(): boolean {
    return (this.attributes & ATTR_TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  }
  get isTransactional(): boolean {
    return (this.attributes & ATTR_TRANSACTIONAL) !== 0;
  }
  get isControl(): boolean {
    return (this.attributes & ATTR_CONTROL) !== 0;
  }
  get hasDeleteHorizon(): boolean {
    return (this.attributes & ATTR_DELETE_HORIZON) !== 0;
  }
  get baseTimestamp(): number {
    return readInt64(this.buf, this.offset + BatchField.baseTimestamp);
  }
  get maxTimestamp(): number {
    return readInt64(this.buf, this.offset + BatchField.maxTimestamp);
  }
  get producerId(): number {
    return readInt64(this.buf, this.offset + BatchField.producerId);
  }
  get producerEpoch(): number {
    return this.buf.readInt16BE(this.offset + BatchField.producerEpoch);
  }
  get baseSequence(): number {
    return this.buf.readInt32BE(this.offset + BatchField.baseSequence);
  }
  get recordsCount(): number {
    return this.buf.readInt32BE(this.offset + BatchField.recordsCount);
  }
  /** CRC-32C over attributes .. end, as stored bytes say it should be. */
  computeCrc(): number {
    const start = this.offset + BatchField.attributes;
    const end = this.offset + this.sizeBytes;
    return crc32c(this.buf.subarray(start, end));
  }
  isCrcValid(): boolean {
    return this.computeCrc() === this.crc;
  }
  /** Recompute and store the CRC (writers only; the log never changes covered bytes). */
  writeCrc(): void {
    this.buf.writeUInt32BE(this.computeCrc(), this.offset + BatchField.crc);
  }
  /** The batch's bytes as a slice of the underlying buffer (no copy). */
  bytes(): Buffer {
    return this.buf.subarray(this.offset, this.offset + this.sizeBytes);
  }
}
