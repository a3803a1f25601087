import { uuidToBytes, UUID_BYTES, ZERO_UUID } from "./uuid.js";

/** Position of a reserved 4-byte field, filled later with `Writer.fillInt32`. */
export interface Int32Slot {
  readonly buf: Buffer;
  readonly at: number;
}

const DEFAULT_INITIAL_CAPACITY_BYTES = 512;
const MAX_GROWTH_CHUNK_BYTES = 1 << 20;
const TWO_POW_32 = 4294967296;
const ZERO_UUID_BYTES = Buffer.alloc(UUID_BYTES);

function assertInt(value: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${what} value ${value} is out of range [${min}, ${max}]`);
  }
}

/**
 * Serialises Kafka primitives into a list of chunks. Bytes are written into a
 * growable scratch buffer; when it fills up a new one is started instead of
 * copying, so earlier positions (reserved length slots) stay valid. External
 * buffers passed to `writeChunk` are referenced, never copied, which lets a
 * Fetch response carry record bytes read from disk straight to the socket.
 */
export class Writer {
  private readonly chunks: Buffer[] = [];
  private buf: Buffer;
  private start = 0; // first byte of `buf` not yet moved to `chunks`
  private pos = 0;
  private flushedBytes = 0;

  constructor(initialCapacityBytes = DEFAULT_INITIAL_CAPACITY_BYTES) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialCapacityBytes));
  }

  /** Total bytes written so far, including external chunks. */
  get byteLength(): number {
    return this.flushedBytes + (this.pos - this.start);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flushScratch();
    const size = Math.max(n, Math.min(this.buf.length * 2, MAX_GROWTH_CHUNK_BYTES));
    this.buf = Buffer.allocUnsafe(size);
    this.start = 0;
    this.pos = 0;
  }

  private flushScratch(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.buf.subarray(this.start, this.pos));
      this.flushedBytes += this.pos - this.start;
      this.start = this.pos;
    }
  }

  int8(v: number): void {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
  }
  int16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }
  uint16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }
  int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }
  uint32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }
  /** A 64-bit integer given as a safe-integer `number`. */
  int64(v: number): void {
    if (!Number.isSafeInteger(v)) throw new RangeError(`int64 value ${v} is not a safe integer`);
    this.ensure(8);
    const hi = Math.floor(v / TWO_POW_32);
    this.buf.writeInt32BE(hi, this.pos);
    this.buf.writeUInt32BE(v - hi * TWO_POW_32, this.pos + 4);
    this.pos += 8;
  }
  float64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }
  boolean(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  /** Unsigned LEB128 of a 32-bit value. */
  uvarint(v: number): void {
    if (v >= 0 && v < 0x80 && (v | 0) === v) {
      this.ensure(1);
      this.buf[this.pos++] = v;
      return;
    }
    assertInt(v, 0, 0xffffffff, "uvarint");
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[pos++] = v;
    this.pos = pos;
  }
  /** Zig-zag signed 32-bit varint. */
  varint(v: number): void {
    assertInt(v, -0x80000000, 0x7fffffff, "varint");
    this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }
  /** Zig-zag signed 64-bit varint of a safe-integer `number`. */
  varlong(v: number): void {
    if (!Number.isSafeInteger(v)) throw new RangeError(`varlong value ${v} is not a safe integer`);
    if (v >= -0x40000000 && v < 0x40000000) {
      this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
      return;
    }
    // Zig-zag of large magnitudes needs 54 bits, beyond exact double arithmetic.
    const big = BigInt(v);
    let z = (big << 1n) ^ (big >> 63n);
    this.ensure(10);
    while (z >= 0x80n) {
      this.buf[this.pos++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    this.buf[this.pos++] = Number(z);
  }

  /** Copies `src` into the output. */
  raw(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** Appends `chunk` by reference (no copy); the caller must not modify it afterwards. */
  writeChunk(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.flushScratch();
    this.chunks.push(chunk);
    this.flushedBytes += chunk.length;
  }

  private utf8(s: string, byteLength: number): void {
    this.ensure(byteLength);
    this.pos += this.buf.write(s, this.pos, byteLength, "utf8");
  }

  string(s: string): void {
    if (typeof s !== "string") throw new TypeError(`non-nullable string field was ${s}`);
    const n = Buffer.byteLength(s, "utf8");
    assertInt(n, 0, 0x7fff, "string byte length");
    this.int16(n);
    this.utf8(s, n);
  }
  nullableString(s: string | null): void {
    if (s === null) this.int16(-1);
    else this.string(s);
  }
  compactString(s: string): void {
    if (typeof s !== "string") throw new TypeError(`non-nullable string field was ${s}`);
    const n = Buffer.byteLength(s, "utf8");
    this.uvarint(n + 1);
    this.utf8(s, n);
  }
  compactNullableString(s: string | null): void {
    if (s === null) this.uvarint(0);
    else this.compactString(s);
  }

  bytes(b: Uint8Array): void {
    if (b === null || b === undefined) throw new TypeError(`non-nullable bytes field was ${b}`);
    this.int32(b.length);
    this.raw(b);
  }
  nullableBytes(b: Uint8Array | null): void {
    if (b === null) this.int32(-1);
    else this.bytes(b);
  }
  compactBytes(b: Uint8Array): void {
    if (b === null || b === undefined) throw new TypeError(`non-nullable bytes field was ${b}`);
    this.uvarint(b.length + 1);
    this.raw(b);
  }
  compactNullableBytes(b: Uint8Array | null): void {
    if (b === null) this.uvarint(0);
    else this.compactBytes(b);
  }

  /** A records field (int32 length, -1 for null); the record bytes are referenced, not copied. */
  records(r: Buffer | readonly Buffer[] | null): void {
    if (r === null) {
      this.int32(-1);
      return;
    }
    this.int32(recordsLength(r));
    this.recordChunks(r);
  }
  /** A records field in a flexible version (uvarint length + 1, 0 for null). */
  compactRecords(r: Buffer | readonly Buffer[] | null): void {
    if (r === null) {
      this.uvarint(0);
      return;
    }
    this.uvarint(recordsLength(r) + 1);
    this.recordChunks(r);
  }
  private recordChunks(r: Buffer | readonly Buffer[]): void {
    if (Buffer.isBuffer(r)) this.writeChunk(r);
    else for (const chunk of r) this.writeChunk(chunk);
  }

  uuid(u: string): void {
    this.raw(u === ZERO_UUID ? ZERO_UUID_BYTES : uuidToBytes(u));
  }

  /** Array length for non-flexible versions; `null` arrays are written as -1. */
  arrayLength(n: number | null): void {
    this.int32(n === null ? -1 : n);
  }
  /** Array length for flexible versions: uvarint n + 1, 0 for null. */
  compactArrayLength(n: number | null): void {
    this.uvarint(n === null ? 0 : n + 1);
  }
  /** An empty tagged-field section. */
  emptyTaggedFields(): void {
    this.ensure(1);
    this.buf[this.pos++] = 0;
  }
  /** One tagged field whose value was serialised into `value`. */
  taggedField(tag: number, value: Writer): void {
    this.uvarint(tag);
    this.uvarint(value.byteLength);
    for (const chunk of value.toChunks()) this.raw(chunk);
  }

  /** Reserves 4 bytes (a length or size prefix) to be filled once the rest is known. */
  reserveInt32(): Int32Slot {
    this.ensure(4);
    const slot = { buf: this.buf, at: this.pos };
    this.pos += 4;
    return slot;
  }
  fillInt32(slot: Int32Slot, value: number): void {
    slot.buf.writeInt32BE(value, slot.at);
  }

  /** The written bytes as chunks in order (the scratch buffers and external chunks). */
  toChunks(): Buffer[] {
    this.flushScratch();
    return this.chunks.slice();
  }
  /** The written bytes as one buffer (copies only when there is more than one chunk). */
  toBuffer(): Buffer {
    this.flushScratch();
    if (this.chunks.length === 1) return this.chunks[0]!;
    return Buffer.concat(this.chunks, this.flushedBytes);
  }
}

export function recordsLength(r: Buffer | readonly Buffer[]): number {
  if (Buffer.isBuffer(r)) return r.length;
  let n = 0;
  for (const chunk of r) n += chunk.length;
  return n;
}
