import { gunzipSync, gzipSync } from "node:zlib";
import lz4 from "lz4-napi";
import snappy from "snappy";
import zstd from "zstd-napi";
import { CorruptRecordError, UnsupportedCompressionError } from "../errors.js";
import { Compression } from "./batch-header.js";

/**
 * Record-batch compression codecs, byte-compatible with Kafka's clients:
 * gzip (zlib), snappy in xerial framing (what the Java client writes; raw
 * snappy is accepted on read), LZ4 frame format, and zstd frames.
 */

/** Upper bound on one batch's decompressed size, against decompression bombs. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16; // magic, int32 version, int32 compatible version
const XERIAL_VERSION = 1;
const XERIAL_BLOCK_BYTES = 32 * 1024; // the Java client's default block size

export function compressRecords(codec: number, data: Buffer): Buffer {
  switch (codec) {
    case Compression.none:
      return data;
    case Compression.gzip:
      return gzipSync(data);
    case Compression.snappy:
      return xerialSnappyCompress(data);
    case Compression.lz4:
      return lz4.compressFrameSync(data);
    case Compression.zstd:
      return zstd.compress(data);
    default:
      throw new UnsupportedCompressionError(`unknown compression codec ${codec}`);
  }
}

export function decompressRecords(codec: number, data: Buffer, maxDecompressedBytes = DEFAULT_MAX_DECOMPRESSED_BYTES): Buffer {
  let out: Buffer;
  try {
    switch (codec) {
      case Compression.none:
        return data;
      case Compression.gzip:
        out = gunzipSync(data, { maxOutputLength: maxDecompressedBytes });
        break;
      case Compression.snappy:
        out = snappyDecompress(data, maxDecompressedBytes);
        break;
      case Compression.lz4:
        out = lz4.decompressFrameSync(data);
        break;
      case Compression.zstd:
        out = zstd.decompress(data);
        break;
      default:
        throw new UnsupportedCompressionError(`unknown compression codec ${codec}`);
    }
  } catch (err) {
    if (err instanceof UnsupportedCompressionError || err instanceof CorruptRecordError) throw err;
    throw new CorruptRecordError(`cannot decompress ${codecName(codec)} records: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (out.length > maxDecompressedBytes) {
    throw new CorruptRecordError(`decompressed records exceed ${maxDecompressedBytes} bytes`);
  }
  return out;
}

export function codecName(codec: number): string {
  const entry = Object.entries(Compression).find(([, code]) => code === codec);
  return entry ? entry[0] : `codec-${codec}`;
}

function xerialSnappyCompress(data: Buffer): Buffer {
  const parts: Buffer[] = [XERIAL_MAGIC, int32(XERIAL_VERSION), int32(XERIAL_VERSION)];
  for (let at = 0; at < data.length; at += XERIAL_BLOCK_BYTES) {
    const block = snappy.compressSync(data.subarray(at, Math.min(data.length, at + XERIAL_BLOCK_BYTES)));
    parts.push(int32(block.length), block);
  }
  return Buffer.concat(parts);
}

function snappyDecompress(data: Buffer, maxDecompressedBytes: number): Buffer {
  if (data.length < XERIAL_HEADER_BYTES || !data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) {
    return snappy.uncompressSync(data, { asBuffer: true }) as Buffer;
  }
  const blocks: Buffer[] = [];
  let total = 0;
  let at = XERIAL_HEADER_BYTES;
  while (at < data.length) {
    if (at + 4 > data.length) throw new CorruptRecordError("truncated xerial snappy block length");
    const n = data.readInt32BE(at);
    at += 4;
    if (n < 0 || at + n > data.length) throw new CorruptRecordError(`xerial snappy block of ${n} bytes overruns input`);
    const block = snappy.uncompressSync(data.subarray(at, at + n), { asBuffer: true }) as Buffer;
    total += block.length;
    if (total > maxDecompressedBytes) throw new CorruptRecordError(`decompressed records exceed ${maxDecompressedBytes} bytes`);
    blocks.push(block);
    at += n;
  }
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks, total);
}

function int32(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(v, 0);
  return b;
}
