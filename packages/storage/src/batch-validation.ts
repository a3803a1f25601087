import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD_BYTES, BatchField, CURRENT_MAGIC, crc32c } from "@samsa/protocol";
import { CorruptRecordError, InvalidRecordError, RecordListTooLargeError, RecordTooLargeError } from "./errors.js";

/** Header fields of one stored batch, read without decoding its records. */
export interface BatchHeader {
  /** Byte position of the batch inside the buffer or file it was read from. */
  position: number;
  sizeBytes: number;
  baseOffset: number;
  lastOffset: number;
  partitionLeaderEpoch: number;
  maxTimestamp: number;
  recordsCount: number;
}

/** Smallest legal batchLength: header after the log overhead, with no records. */
const MIN_BATCH_LENGTH = BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD_BYTES;
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE_BIG = BigInt(Number.MIN_SAFE_INTEGER);

function safeInt64(buf: Buffer, at: number): number | undefined {
  const v = buf.readBigInt64BE(at);
  return v > MAX_SAFE_BIG || v < MIN_SAFE_BIG ? undefined : Number(v);
}

export type BatchCheck =
  | { ok: true; header: BatchHeader }
  /** Fewer bytes than the batch claims: a torn tail when reading a file. */
  | { ok: false; incomplete: true; reason: string }
  | { ok: false; incomplete: false; reason: string };

/**
 * Checks the batch starting at `at` in `buf` (length, magic, CRC-32C over
 * attributes..end, header sanity). Pure function of the bytes; used on
 * append, recovery and index rebuild.
 */
export function checkBatch(buf: Buffer, at: number, verifyCrc = true): BatchCheck {
  const available = buf.length - at;
  if (available < BATCH_LOG_OVERHEAD_BYTES) return { ok: false, incomplete: true, reason: `${available} bytes cannot hold a batch length` };
  const batchLength = buf.readInt32BE(at + BatchField.batchLength);
  if (batchLength < MIN_BATCH_LENGTH) return { ok: false, incomplete: false, reason: `batch length ${batchLength} is below the ${MIN_BATCH_LENGTH}-byte header` };
  const sizeBytes = batchLength + BATCH_LOG_OVERHEAD_BYTES;
  if (available < BATCH_HEADER_BYTES) return { ok: false, incomplete: true, reason: `${available} bytes cannot hold a batch header` };
  const magic = buf.readInt8(at + BatchField.magic);
  if (magic !== CURRENT_MAGIC) return { ok: false, incomplete: false, reason: `unsupported magic ${magic}` };
  if (available < sizeBytes) return { ok: false, incomplete: true, reason: `batch of ${sizeBytes} bytes has only ${available} bytes` };
  const baseOffset = safeInt64(buf, at + BatchField.baseOffset);
  const maxTimestamp = safeInt64(buf, at + BatchField.maxTimestamp);
  const lastOffsetDelta = buf.readInt32BE(at + BatchField.lastOffsetDelta);
  const recordsCount = buf.readInt32BE(at + BatchField.recordsCount);
  if (baseOffset === undefined || baseOffset < 0) return { ok: false, incomplete: false, reason: "base offset out of range" };
  if (maxTimestamp === undefined) return { ok: false, incomplete: false, reason: "max timestamp out of range" };
  if (lastOffsetDelta < 0 || recordsCount < 0) return { ok: false, incomplete: false, reason: `negative lastOffsetDelta ${lastOffsetDelta} or record count ${recordsCount}` };
  if (verifyCrc) {
    const stored = buf.readUInt32BE(at + BatchField.crc);
    const computed = crc32c(buf.subarray(at + BatchField.attributes, at + sizeBytes));
    if (stored !== computed) return { ok: false, incomplete: false, reason: `CRC mismatch (stored ${stored}, computed ${computed})` };
  }
  return {
    ok: true,
    header: {
      position: at,
      sizeBytes,
      baseOffset,
      lastOffset: baseOffset + lastOffsetDelta,
      partitionLeaderEpoch: buf.readInt32BE(at + BatchField.partitionLeaderEpoch),
      maxTimestamp,
      recordsCount,
    },
  };
}

export interface AppendLimits {
  maxMessageBytes: number;
  segmentBytes: number;
}

/**
 * Validates every batch of a produce or replication payload. Throws the typed
 * error the broker maps to a Kafka error code; nothing is written on failure.
 * `asLeader` adds the rules a leader enforces on producer input.
 */
export function validateBatchesForAppend(records: Buffer, limits: AppendLimits, asLeader: boolean): BatchHeader[] {
  if (records.length > limits.segmentBytes) {
    throw new RecordListTooLargeError(`${records.length} bytes of batches exceed segment.bytes ${limits.segmentBytes}`);
  }
  const batches: BatchHeader[] = [];
  let at = 0;
  while (at < records.length) {
    const check = checkBatch(records, at);
    if (!check.ok) throw new CorruptRecordError(`batch at byte ${at}: ${check.reason}`);
    const h = check.header;
    if (h.sizeBytes > limits.maxMessageBytes) {
      throw new RecordTooLargeError(`batch of ${h.sizeBytes} bytes exceeds max.message.bytes ${limits.maxMessageBytes}`);
    }
    if (asLeader) {
      if (h.recordsCount === 0) throw new InvalidRecordError(`batch at byte ${at} has no records`);
      if (h.lastOffset - h.baseOffset !== h.recordsCount - 1) {
        throw new InvalidRecordError(`batch at byte ${at}: lastOffsetDelta ${h.lastOffset - h.baseOffset} does not match ${h.recordsCount} records`);
      }
    } else if (batches.length > 0 && h.baseOffset <= batches[batches.length - 1]!.lastOffset) {
      throw new InvalidRecordError(`batch at byte ${at}: offsets do not increase`);
    }
    batches.push(h);
    at += h.sizeBytes;
  }
  if (batches.length === 0) throw new InvalidRecordError("no record batches");
  return batches;
}
