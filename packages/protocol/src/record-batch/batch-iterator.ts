import {
  CorruptRecordError,
  RecordListTooLargeError,
  RecordTooLargeError,
  UnsupportedCompressionError,
  UnsupportedMagicError,
} from "../errors.js";
import {
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  BatchField,
  Compression,
  CURRENT_MAGIC,
  RecordBatchView,
} from "./batch-header.js";

export interface BatchIterationOptions {
  /** Check each batch's CRC-32C (default true). */
  verifyCrc?: boolean;
  /**
   * Stop quietly at an incomplete last batch instead of failing. Fetch responses
   * may end with a partial batch cut off by `maxBytes`; produced data may not.
   */
  allowPartialTail?: boolean;
  /** Largest allowed batch including its 12-byte log overhead (`max.message.bytes`). */
  maxBatchBytes?: number;
  /** Largest allowed total size of the whole buffer. */
  maxRecordSetBytes?: number;
}

const MAX_COMPRESSION_CODE = Compression.zstd;

/**
 * Walks a buffer of concatenated record batches (magic 2), validating framing,
 * magic, compression codec and CRC, and yields a zero-copy view of each.
 */
export function* iterateBatches(buf: Buffer, options: BatchIterationOptions = {}): Generator<RecordBatchView> {
  const { verifyCrc = true, allowPartialTail = false, maxBatchBytes, maxRecordSetBytes } = options;
  if (maxRecordSetBytes !== undefined && buf.length > maxRecordSetBytes) {
    throw new RecordListTooLargeError(`record set of ${buf.length} bytes exceeds ${maxRecordSetBytes}`);
  }
  let at = 0;
  while (at < buf.length) {
    const left = buf.length - at;
    if (left < BATCH_LOG_OVERHEAD_BYTES) {
      if (allowPartialTail) return;
      throw new CorruptRecordError(`${left} trailing bytes at offset ${at} are too few for a batch header`);
    }
    const batchLength = buf.readInt32BE(at + BatchField.batchLength);
    const size = BATCH_LOG_OVERHEAD_BYTES + batchLength;
    if (batchLength < BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD_BYTES) {
      throw new CorruptRecordError(`batch at offset ${at} declares length ${batchLength}, below the header size`);
    }
    if (maxBatchBytes !== undefined && size > maxBatchBytes) {
      throw new RecordTooLargeError(`batch of ${size} bytes at offset ${at} exceeds ${maxBatchBytes}`);
    }
    if (left > BatchField.magic) {
      const magic = buf.readInt8(at + BatchField.magic);
      if (magic !== CURRENT_MAGIC) {
        throw new UnsupportedMagicError(`batch at offset ${at} has magic ${magic}; only magic ${CURRENT_MAGIC} is supported`);
      }
    }
    if (size > left) {
      if (allowPartialTail) return;
      throw new CorruptRecordError(`batch at offset ${at} declares ${size} bytes but only ${left} remain`);
    }
    const view = new RecordBatchView(buf, at);
    if (verifyCrc && !view.isCrcValid()) {
      throw new CorruptRecordError(
        `batch at offset ${at} has CRC ${view.crc.toString(16)}, computed ${view.computeCrc().toString(16)}`,
      );
    }
    if (view.compression > MAX_COMPRESSION_CODE) {
      throw new UnsupportedCompressionError(`batch at offset ${at} uses unknown compression codec ${view.compression}`);
    }
    yield view;
    at += size;
  }
}

/** All batches of `buf` as an array (see `iterateBatches`). */
export function splitBatches(buf: Buffer, options: BatchIterationOptions = {}): RecordBatchView[] {
  return [...iterateBatches(buf, options)];
}
