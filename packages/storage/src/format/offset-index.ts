/**
 * Sparse offset index of one segment, Kafka's `.index` format: 8-byte entries
 * of (int32 offset relative to the segment's base offset, int32 byte position
 * of the batch in the .log file), big-endian, strictly increasing.
 */
export const OFFSET_INDEX_ENTRY_BYTES = 8;

export interface OffsetPosition {
  offset: number;
  position: number;
}

/** Largest relative offset an int32 entry holds; a segment spanning more rolls early. */
export const MAX_RELATIVE_OFFSET = 2 ** 31 - 1;

export class OffsetIndex {
  private entries: Buffer;
  private count = 0;

  constructor(
    readonly baseOffset: number,
    /** Entries the preallocated file holds; appending past it is refused. */
    readonly maxEntries: number,
    initialCapacityEntries = 64,
  ) {
    this.entries = Buffer.alloc(Math.min(maxEntries, initialCapacityEntries) * OFFSET_INDEX_ENTRY_BYTES);
  }

  get entryCount(): number {
    return this.count;
  }
  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }
  get sizeBytes(): number {
    return this.count * OFFSET_INDEX_ENTRY_BYTES;
  }

  entry(i: number): OffsetPosition {
    const at = i * OFFSET_INDEX_ENTRY_BYTES;
    return { offset: this.baseOffset + this.entries.readInt32BE(at), position: this.entries.readInt32BE(at + 4) };
  }

  lastEntry(): OffsetPosition {
    return this.count === 0 ? { offset: this.baseOffset, position: 0 } : this.entry(this.count - 1);
  }

  append(offset: number, position: number): void {
    const relative = offset - this.baseOffset;
    if (this.isFull) throw new Error(`offset index ${this.baseOffset} is full`);
    if (relative < 0 || relative > MAX_RELATIVE_OFFSET) throw new Error(`offset ${offset} outside index ${this.baseOffset}`);
    if (this.count > 0) {
      const last = this.lastEntry();
      if (offset <= last.offset || position < last.position) {
        throw new Error(`index entry (${offset}, ${position}) not after (${last.offset}, ${last.position})`);
      }
    }
    this.ensureCapacity(this.count + 1);
    const at = this.count * OFFSET_INDEX_ENTRY_BYTES;
    this.entries.writeInt32BE(relative, at);
    this.entries.writeInt32BE(position, at + 4);
    this.count += 1;
  }

  /** The last entry with offset <= `target`, or (baseOffset, 0) when none. */
  lookup(target: number): OffsetPosition {
    const slot = this.floorSlot(target);
    return slot < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(slot);
  }

  /** The first entry with offset >= `target`, or undefined. Bounds a scan from above. */
  ceiling(target: number): OffsetPosition | undefined {
    const slot = this.floorSlot(target - 1) + 1;
    return slot < this.count ? this.entry(slot) : undefined;
  }

  /** Drops entries with offset >= `offset`. */
  truncateTo(offset: number): void {
    this.count = this.floorSlot(offset - 1) + 1;
  }

  /** Drops entries whose position is >= `position` (the log was cut there). */
  truncateToPosition(position: number): void {
    while (this.count > 0 && this.entry(this.count - 1).position >= position) this.count -= 1;
  }

  clear(): void {
    this.count = 0;
  }

  /** Entry bytes [fromEntry, count) as stored on disk. */
  bytes(fromEntry = 0): Buffer {
    return this.entries.subarray(fromEntry * OFFSET_INDEX_ENTRY_BYTES, this.count * OFFSET_INDEX_ENTRY_BYTES);
  }

  private floorSlot(target: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    const relative = target - this.baseOffset;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries.readInt32BE(mid * OFFSET_INDEX_ENTRY_BYTES) <= relative) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  private ensureCapacity(entries: number): void {
    const needed = entries * OFFSET_INDEX_ENTRY_BYTES;
    if (needed <= this.entries.length) return;
    const grown = Buffer.alloc(Math.min(Math.max(needed, this.entries.length * 2), this.maxEntries * OFFSET_INDEX_ENTRY_BYTES));
    this.entries.copy(grown, 0, 0, this.count * OFFSET_INDEX_ENTRY_BYTES);
    this.entries = grown;
  }

  /**
   * Parses index file bytes. Returns undefined when they are not a valid index
   * for a log of `logSizeBytes` (misaligned, not increasing, pointing past the
   * end): the caller rebuilds it from the log.
   */
  static parse(baseOffset: number, maxEntries: number, file: Buffer, logSizeBytes: number): OffsetIndex | undefined {
    if (file.length % OFFSET_INDEX_ENTRY_BYTES !== 0) return undefined;
    const n = file.length / OFFSET_INDEX_ENTRY_BYTES;
    const index = new OffsetIndex(baseOffset, Math.max(maxEntries, n), n);
    let lastRelative = -1;
    let lastPosition = -1;
    for (let i = 0; i < n; i++) {
      const relative = file.readInt32BE(i * OFFSET_INDEX_ENTRY_BYTES);
      const position = file.readInt32BE(i * OFFSET_INDEX_ENTRY_BYTES + 4);
      if (relative <= lastRelative || position < lastPosition || position < 0 || position >= logSizeBytes) return undefined;
      lastRelative = relative;
      lastPosition = position;
    }
    file.copy(index.entries, 0, 0, file.length);
    index.count = n;
    return index;
  }
}
