import { crc32c } from "@samsa/protocol";
import { offsetFileStem } from "../format/file-names.js";
import { BATCHES_RETAINED_PER_PRODUCER, ProducerStateEntry, type ProducerBatchMetadata } from "./producer-state-entry.js";

/**
 * Producer-state snapshot file, `<20-digit offset>.snapshot` in the partition
 * directory: the state of every producer after all batches below `offset`.
 *
 *   int16  version (1)
 *   uint32 CRC-32C of everything after this field
 *   int64  offset
 *   int32  producer count, then per producer:
 *     int64 producerId, int16 epoch, int64 lastTimestamp, int8 batch count, then per batch:
 *       int32 firstSequence, int32 lastSequence, int64 firstOffset, int64 lastOffset, int64 maxTimestamp
 *
 * Kafka's snapshot keeps only each producer's last batch; this one keeps all
 * five, so a retry of any in-flight batch is still recognised after a restart.
 */
export const PRODUCER_SNAPSHOT_SUFFIX = ".snapshot";
const SNAPSHOT_VERSION = 1;
const CRC_AT = 2;
const BODY_AT = 6;
const HEADER_BYTES = BODY_AT + 8 + 4;
const ENTRY_HEADER_BYTES = 8 + 2 + 8 + 1;
const BATCH_BYTES = 4 + 4 + 8 + 8 + 8;

export class CorruptProducerSnapshotError extends Error {
  readonly code = "CORRUPT_PRODUCER_SNAPSHOT";
}

export function producerSnapshotFileName(offset: number): string {
  return offsetFileStem(offset) + PRODUCER_SNAPSHOT_SUFFIX;
}

export function encodeProducerSnapshot(offset: number, entries: Iterable<ProducerStateEntry>): Buffer {
  const list = [...entries];
  const size = HEADER_BYTES + list.reduce((sum, e) => sum + ENTRY_HEADER_BYTES + e.batches.length * BATCH_BYTES, 0);
  const buf = Buffer.alloc(size);
  buf.writeInt16BE(SNAPSHOT_VERSION, 0);
  let at = BODY_AT;
  at = writeLong(buf, at, offset);
  at = buf.writeInt32BE(list.length, at);
  for (const e of list) {
    at = writeLong(buf, at, e.producerId);
    at = buf.writeInt16BE(e.producerEpoch, at);
    at = writeLong(buf, at, e.lastTimestamp);
    at = buf.writeInt8(e.batches.length, at);
    for (const b of e.batches) {
      at = buf.writeInt32BE(b.firstSequence, at);
      at = buf.writeInt32BE(b.lastSequence, at);
      at = writeLong(buf, at, b.firstOffset);
      at = writeLong(buf, at, b.lastOffset);
      at = writeLong(buf, at, b.maxTimestamp);
    }
  }
  buf.writeUInt32BE(crc32c(buf.subarray(BODY_AT)), CRC_AT);
  return buf;
}

/** Decodes a snapshot; throws CorruptProducerSnapshotError on any inconsistency. */
export function decodeProducerSnapshot(buf: Buffer): { offset: number; entries: ProducerStateEntry[] } {
  if (buf.length < HEADER_BYTES) throw new CorruptProducerSnapshotError(`snapshot of ${buf.length} bytes is shorter than its header`);
  const version = buf.readInt16BE(0);
  if (version !== SNAPSHOT_VERSION) throw new CorruptProducerSnapshotError(`unknown snapshot version ${version}`);
  const stored = buf.readUInt32BE(CRC_AT);
  const computed = crc32c(buf.subarray(BODY_AT));
  if (stored !== computed) throw new CorruptProducerSnapshotError(`CRC mismatch (stored ${stored}, computed ${computed})`);
  let at = BODY_AT;
  const need = (bytes: number) => {
    if (at + bytes > buf.length) throw new CorruptProducerSnapshotError(`snapshot ends inside an entry at byte ${at}`);
  };
  const offset = readLong(buf, at);
  at += 8;
  const count = buf.readInt32BE(at);
  at += 4;
  if (count < 0) throw new CorruptProducerSnapshotError(`negative producer count ${count}`);
  const entries: ProducerStateEntry[] = [];
  for (let i = 0; i < count; i++) {
    need(ENTRY_HEADER_BYTES);
    const producerId = readLong(buf, at);
    const epoch = buf.readInt16BE(at + 8);
    const lastTimestamp = readLong(buf, at + 10);
    const batchCount = buf.readInt8(at + 18);
    at += ENTRY_HEADER_BYTES;
    if (batchCount < 0 || batchCount > BATCHES_RETAINED_PER_PRODUCER) throw new CorruptProducerSnapshotError(`producer ${producerId} has ${batchCount} batches`);
    const batches: ProducerBatchMetadata[] = [];
    for (let j = 0; j < batchCount; j++) {
      need(BATCH_BYTES);
      batches.push({
        firstSequence: buf.readInt32BE(at),
        lastSequence: buf.readInt32BE(at + 4),
        firstOffset: readLong(buf, at + 8),
        lastOffset: readLong(buf, at + 16),
        maxTimestamp: readLong(buf, at + 24),
      });
      at += BATCH_BYTES;
    }
    entries.push(new ProducerStateEntry(producerId, epoch, lastTimestamp, batches));
  }
  if (at !== buf.length) throw new CorruptProducerSnapshotError(`${buf.length - at} trailing bytes`);
  return { offset, entries };
}

function writeLong(buf: Buffer, at: number, value: number): number {
  return buf.writeBigInt64BE(BigInt(value), at);
}

function readLong(buf: Buffer, at: number): number {
  const v = buf.readBigInt64BE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new CorruptProducerSnapshotError(`int64 ${v} at byte ${at} is out of range`);
  return Number(v);
}
