/**
 * Time index of one segment, Kafka's `.timeindex` format: 12-byte entries of
 * (int64 timestamp, int32 offset relative to the segment's base offset),
 * big-endian. Timestamps strictly increase: an entry is added only when the
 * segment's max timestamp grows.
 */
export const TIME_INDEX_ENTRY_BYTES = 12;

export interface TimestampOffset {
  timestamp: number;
  offset: number;
}

export class TimeIndex {
  private entries: Buffer;
  private count = 0;

  constructor(
    readonly baseOffset: number,
    readonly maxEntries: number,
    initialCapacityEntries = 64,
  ) {
    this.entries = Buffer.alloc(Math.min(maxEntries, initialCapacityEntries) * TIME_INDEX_ENTRY_BYTES);
  }

  get entryCount(): number {
    return this.count;
  }
  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }
  get sizeBytes(): number {
    return this.count * TIME_INDEX_ENTRY_BYTES;
  }

  entry(i: number): TimestampOffset {
    const at = i * TIME_INDEX_ENTRY_BYTES;
    return { timestamp: Number(this.entries.readBigInt64BE(at)), offset: this.baseOffset + this.entries.readInt32BE(at + 8) };
  }

  lastEntry(): TimestampOffset | undefined {
    return this.count === 0 ? undefined : this.entry(this.count - 1);
  }

  /** Adds (timestamp, offset) if `timestamp` is newer than the last entry; returns whether it did. */
  maybeAppend(timestamp: number, offset: number): boolean {
    const last = this.lastEntry();
    if (last !== undefined && (timestamp <= last.timestamp || offset < last.offset)) return false;
    if (this.isFull) return false;
    this.ensureCapacity(this.count + 1);
    const at = this.count * TIME_INDEX_ENTRY_BYTES;
    this.entries.writeBigInt64BE(BigInt(timestamp), at);
    this.entries.writeInt32BE(offset - this.baseOffset, at + 8);
    this.count += 1;
    return true;
  }

  /** The last entry with timestamp <= `target`; undefined when every entry is newer. */
  lookup(target: number): TimestampOffset | undefined {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (Number(this.entries.readBigInt64BE(mid * TIME_INDEX_ENTRY_BYTES)) <= target) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? undefined : this.entry(found);
  }

  /** Drops entries with offset >= `offset`. */
  truncateTo(offset: number): void {
    while (this.count > 0 && this.entry(this.count - 1).offset >= offset) this.count -= 1;
  }

  clear(): void {
    this.count = 0;
  }

  bytes(fromEntry = 0): Buffer {
    return this.entries.subarray(fromEntry * TIME_INDEX_ENTRY_BYTES, this.count * TIME_INDEX_ENTRY_BYTES);
  }

  private ensureCapacity(entries: number): void {
    const needed = entries * TIME_INDEX_ENTRY_BYTES;
    if (needed <= this.entries.length) return;
    const grown = Buffer.alloc(Math.min(Math.max(needed, this.entries.length * 2), this.maxEntries * TIME_INDEX_ENTRY_BYTES));
    this.entries.copy(grown, 0, 0, this.count * TIME_INDEX_ENTRY_BYTES);
    this.entries = grown;
  }

  /** Parses file bytes; undefined when misaligned, not increasing or pointing past `nextOffset`. */
  static parse(baseOffset: number, maxEntries: number, file: Buffer, nextOffset: number): TimeIndex | undefined {
    if (file.length % TIME_INDEX_ENTRY_BYTES !== 0) return undefined;
    const n = file.length / TIME_INDEX_ENTRY_BYTES;
    const index = new TimeIndex(baseOffset, Math.max(maxEntries, n), n);
    let lastTs = Number.NEGATIVE_INFINITY;
    let lastRelative = -1;
    for (let i = 0; i < n; i++) {
      const big = file.readBigInt64BE(i * TIME_INDEX_ENTRY_BYTES);
      if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) return undefined;
      const ts = Number(big);
      const relative = file.readInt32BE(i * TIME_INDEX_ENTRY_BYTES + 8);
      if (ts <= lastTs || relative < lastRelative || relative < 0 || baseOffset + relative >= nextOffset) return undefined;
      lastTs = ts;
      lastRelative = relative;
    }
    file.copy(index.entries, 0, 0, file.length);
    index.count = n;
    return index;
  }
}
