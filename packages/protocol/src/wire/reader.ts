import { ProtocolDecodeError } from "../errors.js";
import { uuidFromBytes, UUID_BYTES } from "./uuid.js";

const TWO_POW_32 = 4294967296;
const MAX_UVARINT_BYTES = 5;
const MAX_UVARLONG_BYTES = 10;

/**
 * Reads Kafka primitives from a buffer. Every read checks bounds and rejects
 * malformed lengths with `ProtocolDecodeError`, so a hostile or truncated frame
 * can never make a decoder read outside its input or allocate from a bogus
 * length. `...View` reads and records return subarrays of the input (no copy).
 */
export class Reader {
  pos: number;
  readonly end: number;

  constructor(
    readonly buf: Buffer,
    offset = 0,
    end = buf.length,
  ) {
    if (offset < 0 || end > buf.length || offset > end) throw new RangeError("reader window outside buffer");
    this.pos = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      throw new ProtocolDecodeError(
        `truncated input reading ${what}: need ${n} bytes at offset ${this.pos}, ${this.end - this.pos} left`,
      );
    }
  }

  skip(n: number): void {
    if (n < 0) throw new ProtocolDecodeError(`negative skip ${n}`);
    this.need(n, "skipped bytes");
    this.pos += n;
  }

  int8(): number {
    this.need(1, "int8");
    return this.buf.readInt8(this.pos++);
  }
  int16(): number {
    this.need(2, "int16");
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  uint16(): number {
    this.need(2, "uint16");
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4, "int32");
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  uint32(): number {
    this.need(4, "uint32");
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  /** A 64-bit integer; values outside the safe-integer range are rejected, not rounded. */
  int64(): number {
    this.need(8, "int64");
    const v = this.buf.readInt32BE(this.pos) * TWO_POW_32 + this.buf.readUInt32BE(this.pos + 4);
    if (!Number.isSafeInteger(v)) {
      throw new ProtocolDecodeError(`int64 at offset ${this.pos} is outside the safe integer range`);
    }
    this.pos += 8;
    return v;
  }
  float64(): number {
    this.need(8, "float64");
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }
  boolean(): boolean {
    this.need(1, "boolean");
    return this.buf[this.pos++] !== 0;
  }

  uvarint(): number {
    const buf = this.buf;
    // Lengths, counts and tags are almost always below 128: one byte.
    if (this.pos < this.end && buf[this.pos]! < 0x80) return buf[this.pos++]!;
    let value = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      this.need(1, "varint");
      const b = buf[this.pos++]!;
      value |= (b & 0x7f) << shift;
      if (b < 0x80) return value;
    }
    this.need(1, "varint");
    const last = buf[this.pos++]!;
    if (last > 0x0f) {
      throw new ProtocolDecodeError(`varint longer than ${MAX_UVARINT_BYTES} bytes or above 32 bits at offset ${this.pos - 1}`);
    }
    return (value >>> 0) + last * 2 ** 28;
  }
  varint(): number {
    const z = this.uvarint();
    return (z >>> 1) ^ -(z & 1);
  }
  varlong(): number {
    if (this.pos < this.end) {
      const first = this.buf[this.pos]!;
      if (first < 0x80) {
        this.pos++;
        return (first >>> 1) ^ -(first & 1);
      }
    }
    // Up to four bytes (28 bits) fit plain int arithmetic.
    let z = 0;
    for (let i = 0; i < 4; i++) {
      this.need(1, "varlong");
      const b = this.buf[this.pos++]!;
      z |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) return (z >>> 1) ^ -(z & 1);
    }
    let big = BigInt(z);
    for (let i = 4; i < MAX_UVARLONG_BYTES; i++) {
      this.need(1, "varlong");
      const b = this.buf[this.pos++]!;
      big |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) {
        if (big >= 1n << 64n) throw new ProtocolDecodeError("varlong exceeds 64 bits");
        const v = (big >> 1n) ^ -(big & 1n);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new ProtocolDecodeError(`varlong at offset ${this.pos} is outside the safe integer range`);
        }
        return Number(v);
      }
    }
    throw new ProtocolDecodeError(`varlong longer than ${MAX_UVARLONG_BYTES} bytes at offset ${this.pos}`);
  }

  private utf8(n: number): string {
    this.need(n, "string");
    const s = this.buf.toString("utf8", this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  string(): string {
    const n = this.int16();
    if (n < 0) throw new ProtocolDecodeError(`non-nullable string has length ${n}`);
    return this.utf8(n);
  }
  nullableString(): string | null {
    const n = this.int16();
    if (n === -1) return null;
    if (n < 0) throw new ProtocolDecodeError(`string has negative length ${n}`);
    return this.utf8(n);
  }
  compactString(): string {
    const n = this.uvarint() - 1;
    if (n < 0) throw new ProtocolDecodeError("non-nullable compact string is null");
    return this.utf8(n);
  }
  compactNullableString(): string | null {
    const n = this.uvarint() - 1;
    return n < 0 ? null : this.utf8(n);
  }

  private view(n: number): Buffer {
    this.need(n, "bytes");
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  private bytesLength(nullable: boolean): number {
    const n = this.int32();
    if (n === -1 && nullable) return -1;
    if (n < 0) throw new ProtocolDecodeError(`${nullable ? "" : "non-nullable "}bytes field has length ${n}`);
    return n;
  }
  private compactBytesLength(nullable: boolean): number {
    const n = this.uvarint() - 1;
    if (n < 0 && !nullable) throw new ProtocolDecodeError("non-nullable compact bytes field is null");
    return n;
  }

  /** Bytes copied out of the input (safe to keep after the frame buffer is released). */
  bytes(): Buffer {
    return Buffer.from(this.view(this.bytesLength(false)));
  }
  nullableBytes(): Buffer | null {
    const n = this.bytesLength(true);
    return n < 0 ? null : Buffer.from(this.view(n));
  }
  compactBytes(): Buffer {
    return Buffer.from(this.view(this.compactBytesLength(false)));
  }
  compactNullableBytes(): Buffer | null {
    const n = this.compactBytesLength(true);
    return n < 0 ? null : Buffer.from(this.view(n));
  }
  /** Bytes as a subarray of the input (zero-copy fields and records). */
  bytesView(): Buffer {
    return this.view(this.bytesLength(false));
  }
  nullableBytesView(): Buffer | null {
    const n = this.bytesLength(true);
    return n < 0 ? null : this.view(n);
  }
  compactBytesView(): Buffer {
    return this.view(this.compactBytesLength(false));
  }
  compactNullableBytesView(): Buffer | null {
    const n = this.compactBytesLength(true);
    return n < 0 ? null : this.view(n);
  }

  uuid(): string {
    this.need(UUID_BYTES, "uuid");
    const s = uuidFromBytes(this.buf, this.pos);
    this.pos += UUID_BYTES;
    return s;
  }

  /** Array length in a non-flexible version; -1 means null. */
  arrayLength(): number {
    const n = this.int32();
    if (n < -1) throw new ProtocolDecodeError(`array has negative length ${n}`);
    if (n > this.remaining) throw new ProtocolDecodeError(`array length ${n} exceeds the ${this.remaining} bytes left`);
    return n;
  }
  /** Array length in a flexible version; -1 means null. */
  compactArrayLength(): number {
    const n = this.uvarint() - 1;
    if (n > this.remaining) throw new ProtocolDecodeError(`array length ${n} exceeds the ${this.remaining} bytes left`);
    return n;
  }

  /** Skips a whole tagged-field section (for structures with no known tagged fields). */
  skipTaggedFields(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      this.skip(this.uvarint());
    }
  }
  /** Checks that a tagged field's value used exactly the size its header announced. */
  expectPosition(end: number, what: string): void {
    if (this.pos !== end) {
      throw new ProtocolDecodeError(`${what}: tagged field size mismatch (ended at ${this.pos}, expected ${end})`);
    }
  }
}
