import assert from "node:assert/strict";
import { join } from "node:path";
import { BATCH_HEADER_BYTES } from "@samsa/protocol";
import { checkBatch, type BatchHeader } from "./batch-validation.js";
import { readFully, writeFileAtomically, writeFully } from "./fs/file-io.js";
import { hasErrorCode, type FileHandle, type FileSystem } from "./fs/file-system.js";
import { LOG_SUFFIX, OFFSET_INDEX_SUFFIX, TIME_INDEX_SUFFIX, segmentFileName } from "./format/file-names.js";
import { MAX_RELATIVE_OFFSET, OFFSET_INDEX_ENTRY_BYTES, OffsetIndex } from "./format/offset-index.js";
import { TIME_INDEX_ENTRY_BYTES, TimeIndex } from "./format/time-index.js";
import type { IndexCache, IndexHolder } from "./index-cache.js";
import type { StorageLogger } from "./logger.js";

/** Bytes read per pread while scanning batch headers (recovery, index rebuild, lookups). */
const SCAN_CHUNK_BYTES = 1024 * 1024;
/** Bytes read to find a batch near an index entry: one index interval plus a header usually suffices. */
const LOOKUP_CHUNK_BYTES = 16 * 1024;

export interface SegmentSettings {
  fs: FileSystem;
  dir: string;
  indexIntervalBytes: number;
  segmentIndexBytes: number;
  indexCache: IndexCache;
  logger: StorageLogger;
}

/** Where a scan of the log file stopped and why. */
export interface ScanOutcome {
  endPosition: number;
  /** Set when the scan stopped on bytes that are not a valid batch. */
  problem?: string;
}

/** One batch, with its position in a segment file, to be located by reads. */
export interface BatchLocation {
  position: number;
  /** Known when the header was read; a sequential read skips that. */
  baseOffset?: number;
  /** Size of the batch at `position`, when a previous read saw its header. */
  nextBatchBytes?: number;
}

/**
 * One segment: `<base>.log` plus its `.index` and `.timeindex`. Holds the
 * file handle, the readable size, and the indexes (in memory while active;
 * loaded lazily through the shared IndexCache when inactive).
 *
 * A segment never decides policy: the partition log serialises every mutation
 * and tells it when to append, roll, truncate or go away.
 */
export class LogSegment implements IndexHolder {
  /** Bytes of complete batches in the file; reads never go past this. */
  sizeBytes: number;
  /** Offset after the segment's last batch; baseOffset when empty. */
  nextOffset: number;
  /** Largest batch max-timestamp, -1 when unknown or empty. */
  maxTimestamp = -1;
  offsetOfMaxTimestamp = -1;
  /** Clock time segment.ms counts from: creation, or the open of an existing segment. */
  rollBaseTimestampMs: number;
  /** Bumped on every truncation so a concurrent read can detect that its bytes moved. */
  generation = 0;
  active = false;

  private offsetIndex: OffsetIndex | undefined;
  private timeIndex: TimeIndex | undefined;
  private bytesSinceLastIndexEntry = 0;
  /** Bytes of appends whose write is issued and not yet applied; sizeBytes excludes them. */
  private bytesInFlight = 0;
  /** The latest append's completion: appends apply in issue order. */
  private appendTail: Promise<void> = Promise.resolve();
  /** Where the previous read ended, so sequential fetches skip the index lookup. */
  private lastReadEnd: { offset: number; position: number; generation: number; nextBatchBytes?: number } | undefined;
  private inFlightReads = 0;
  private closeRequested = false;
  private closed = false;
  private closedWaiter: (() => void) | undefined;

  private constructor(
    private readonly settings: SegmentSettings,
    readonly baseOffset: number,
    private log: FileHandle,
    sizeBytes: number,
    nowMs: number,
  ) {
    this.sizeBytes = sizeBytes;
    this.nextOffset = baseOffset;
    this.rollBaseTimestampMs = nowMs;
  }

  get logPath(): string {
    return join(this.settings.dir, segmentFileName(this.baseOffset, LOG_SUFFIX));
  }
  get offsetIndexPath(): string {
    return join(this.settings.dir, segmentFileName(this.baseOffset, OFFSET_INDEX_SUFFIX));
  }
  get timeIndexPath(): string {
    return join(this.settings.dir, segmentFileName(this.baseOffset, TIME_INDEX_SUFFIX));
  }
  get isEmpty(): boolean {
    return this.sizeBytes === 0;
  }
  private get maxOffsetIndexEntries(): number {
    return Math.floor(this.settings.segmentIndexBytes / OFFSET_INDEX_ENTRY_BYTES);
  }
  private get maxTimeIndexEntries(): number {
    return Math.floor(this.settings.segmentIndexBytes / TIME_INDEX_ENTRY_BYTES);
  }

  /** Creates empty segment files with preallocated indexes. The caller fsyncs the directory. */
  static async create(settings: SegmentSettings, baseOffset: number, nowMs: number): Promise<LogSegment> {
    const log = await settings.fs.open(join(settings.dir, segmentFileName(baseOffset, LOG_SUFFIX)), "create");
    await log.truncate(0);
    const segment = new LogSegment(settings, baseOffset, log, 0, nowMs);
    segment.offsetIndex = new OffsetIndex(baseOffset, segment.maxOffsetIndexEntries);
    segment.timeIndex = new TimeIndex(baseOffset, segment.maxTimeIndexEntries);
    segment.active = true;
    await segment.preallocateIndexFiles();
    return segment;
  }

  /** Opens an existing segment without reading its batches (state is filled by recover or load). */
  static async open(settings: SegmentSettings, baseOffset: number, nowMs: number): Promise<LogSegment> {
    const log = await settings.fs.open(join(settings.dir, segmentFileName(baseOffset, LOG_SUFFIX)), "readWrite");
    const size = await log.size();
    return new LogSegment(settings, baseOffset, log, size, nowMs);
  }

  // ---------------------------------------------------------------- appends

  /** Whether a batch group of `bytes` ending at `lastOffset` fits without a roll (appends in flight count). */
  canAppend(bytes: number, lastOffset: number, segmentBytes: number): boolean {
    if (lastOffset - this.baseOffset > MAX_RELATIVE_OFFSET) return false;
    if (!this.hasAppends) return true;
    if (this.sizeBytes + this.bytesInFlight + bytes > segmentBytes) return false;
    return !(this.offsetIndex?.isFull ?? false) && !(this.timeIndex?.isFull ?? false);
  }

  /** Whether the segment holds batches or has writes in flight. */
  get hasAppends(): boolean {
    return this.sizeBytes + this.bytesInFlight > 0;
  }

  /**
   * Writes `buffers` (whole batches described by `batches`, positions relative
   * to the first buffer) at the end of the file and indexes them. Not durable
   * until `flush`.
   *
   * Appends may overlap: each writes at the end left by the previous one, and
   * applies its size and index entries only after every earlier append has,
   * so reads (bounded by sizeBytes and nextOffset) never see a batch whose
   * bytes, or an earlier batch's bytes, are still being written. An append
   * fails if an earlier one failed.
   */
  append(buffers: readonly Buffer[], batches: readonly BatchHeader[]): Promise<void> {
    assert(batches.length > 0, "an append writes at least one batch");
    const start = this.sizeBytes + this.bytesInFlight;
    const totalBytes = batches.reduce((sum, b) => sum + b.sizeBytes, 0);
    this.bytesInFlight += totalBytes;
    const written = writeFully(this.log, buffers, start);
    const previous = this.appendTail;
    const applied = (async () => {
      try {
        await written;
        await previous;
      } finally {
        this.bytesInFlight -= totalBytes;
      }
      const offsetIndex = this.requireActiveIndex();
      for (const b of batches) this.indexBatch(offsetIndex, this.timeIndex!, b.lastOffset, b.maxTimestamp, start + b.position, b.sizeBytes);
      this.sizeBytes = start + totalBytes;
      this.nextOffset = batches[batches.length - 1]!.lastOffset + 1;
    })();
    this.appendTail = applied;
    // The next append (or appendsApplied) awaits it; this keeps a failure nobody awaits yet from being unhandled.
    applied.catch(() => undefined);
    return applied;
  }

  /** Resolves once every append issued so far is applied; rejects if one failed. */
  appendsApplied(): Promise<void> {
    return this.appendTail;
  }

  private indexBatch(offsetIndex: OffsetIndex, timeIndex: TimeIndex, lastOffset: number, maxTimestamp: number, position: number, sizeBytes: number): void {
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = lastOffset;
    }
    // A full index (the segment rolls before its next group) only makes lookups scan further.
    if (this.bytesSinceLastIndexEntry > this.settings.indexIntervalBytes && !offsetIndex.isFull) {
      offsetIndex.append(lastOffset, position);
      if (this.maxTimestamp >= 0) timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += sizeBytes;
  }

  private requireActiveIndex(): OffsetIndex {
    if (!this.active || this.offsetIndex === undefined || this.timeIndex === undefined) {
      throw new Error(`segment ${this.baseOffset} is not active`);
    }
    return this.offsetIndex;
  }

  /** fsync of the log file: everything appended so far is durable after this. */
  flush(): Promise<void> {
    return this.log.sync();
  }

  // ---------------------------------------------------------------- index files

  private async preallocateIndexFiles(): Promise<void> {
    await this.writeIndexFile(this.offsetIndexPath, this.offsetIndex!.bytes(), this.maxOffsetIndexEntries * OFFSET_INDEX_ENTRY_BYTES, false);
    await this.writeIndexFile(this.timeIndexPath, this.timeIndex!.bytes(), this.maxTimeIndexEntries * TIME_INDEX_ENTRY_BYTES, false);
  }

  /**
   * Writes an index file. Durable writes (trimmed indexes of inactive
   * segments) go through a temp file and rename, so a crash leaves either the
   * old file or the new one, never a half-written index that parses.
   */
  private async writeIndexFile(path: string, bytes: Buffer, fileSize: number, sync: boolean): Promise<void> {
    if (sync && fileSize <= bytes.length) {
      await writeFileAtomically(this.settings.fs, path, bytes);
      return;
    }
    const file = await this.settings.fs.open(path, "create");
    try {
      await file.truncate(0);
      if (bytes.length > 0) await writeFully(file, [bytes], 0);
      if (fileSize > bytes.length) await file.truncate(fileSize);
      if (sync) await file.sync();
    } finally {
      await file.close();
    }
  }

  /**
   * The segment stops being the active one (roll, clean close): record the
   * final time-index entry, write both indexes trimmed to their entries, fsync
   * them, and hand their memory to the bounded cache.
   */
  async becomeInactive(): Promise<void> {
    if (!this.active) return;
    const offsetIndex = this.requireActiveIndex();
    if (this.maxTimestamp >= 0) this.timeIndex!.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
    await this.writeIndexFile(this.offsetIndexPath, offsetIndex.bytes(), 0, true);
    await this.writeIndexFile(this.timeIndexPath, this.timeIndex!.bytes(), 0, true);
    this.active = false;
    this.settings.indexCache.touch(this, offsetIndex.sizeBytes + this.timeIndex!.sizeBytes);
  }

  /** The segment is the log's last one again (after open or truncation): indexes stay in memory. */
  async becomeActive(): Promise<void> {
    if (this.active) return;
    await this.loadIndexes();
    this.settings.indexCache.remove(this);
    this.active = true;
    await this.preallocateIndexFiles();
  }

  unloadIndexes(): void {
    if (this.active) return;
    this.offsetIndex = undefined;
    this.timeIndex = undefined;
  }

  /**
   * Loads both indexes from disk, validating them against the log; a missing
   * or corrupt index is rebuilt by scanning the log (and rewritten).
   */
  private async loadIndexes(): Promise<{ offsetIndex: OffsetIndex; timeIndex: TimeIndex }> {
    if (this.offsetIndex !== undefined && this.timeIndex !== undefined) {
      if (!this.active) this.settings.indexCache.touch(this, this.offsetIndex.sizeBytes + this.timeIndex.sizeBytes);
      return { offsetIndex: this.offsetIndex, timeIndex: this.timeIndex };
    }
    const offsetFile = await this.readIndexFile(this.offsetIndexPath);
    const timeFile = await this.readIndexFile(this.timeIndexPath);
    const offsetIndex = offsetFile && OffsetIndex.parse(this.baseOffset, this.maxOffsetIndexEntries, offsetFile, Math.max(this.sizeBytes, 1));
    const timeIndex = timeFile && TimeIndex.parse(this.baseOffset, this.maxTimeIndexEntries, timeFile, Number.MAX_SAFE_INTEGER);
    // A non-empty segment always ends its time index with its max timestamp; an empty one lost it.
    const timeIndexLost = timeIndex !== undefined && timeIndex.entryCount === 0 && this.sizeBytes > 0;
    if (offsetIndex === undefined || timeIndex === undefined || timeIndexLost) {
      this.settings.logger.warn({ segment: this.logPath }, "index missing or corrupt; rebuilding it from the log");
      const outcome = await this.rebuild(false);
      if (outcome.problem !== undefined) {
        this.settings.logger.warn({ segment: this.logPath, position: outcome.endPosition, problem: outcome.problem }, "log has invalid bytes below the recovery point; indexing stops there");
      }
      if (!this.active) {
        await this.writeIndexFile(this.offsetIndexPath, this.offsetIndex!.bytes(), 0, true);
        await this.writeIndexFile(this.timeIndexPath, this.timeIndex!.bytes(), 0, true);
      }
    } else {
      this.offsetIndex = offsetIndex;
      this.timeIndex = timeIndex;
      const last = timeIndex.lastEntry();
      if (last !== undefined && last.timestamp > this.maxTimestamp) {
        this.maxTimestamp = last.timestamp;
        this.offsetOfMaxTimestamp = last.offset;
      }
    }
    if (!this.active) this.settings.indexCache.touch(this, this.offsetIndex!.sizeBytes + this.timeIndex!.sizeBytes);
    return { offsetIndex: this.offsetIndex!, timeIndex: this.timeIndex! };
  }

  private async readIndexFile(path: string): Promise<Buffer | undefined> {
    try {
      return await this.settings.fs.readFile(path);
    } catch (err) {
      if (hasErrorCode(err, "ENOENT")) return undefined;
      throw err;
    }
  }

  // ---------------------------------------------------------------- scanning

  /**
   * Visits batches from `fromPosition` until the end of the file or the first
   * invalid byte. `visit` returns false to stop early.
   */
  async scan(fromPosition: number, verifyCrc: boolean, visit: (h: BatchHeader, bytes: Buffer) => boolean, endPosition?: number): Promise<ScanOutcome> {
    const fileSize = endPosition ?? (await this.log.size());
    let position = fromPosition;
    while (position < fileSize) {
      const chunk = await readFully(this.log, position, Math.min(SCAN_CHUNK_BYTES, fileSize - position));
      const reachesEnd = position + chunk.length >= fileSize;
      let at = 0;
      while (at < chunk.length) {
        const check = checkBatch(chunk, at, verifyCrc);
        if (check.ok) {
          const header = { ...check.header, position: position + at };
          if (!visit(header, chunk.subarray(at, at + header.sizeBytes))) return { endPosition: header.position };
          at += header.sizeBytes;
          continue;
        }
        if (check.incomplete && !reachesEnd) break;
        return { endPosition: position + at, problem: check.reason };
      }
      if (at === 0) {
        // One batch larger than the chunk: read it whole.
        const need = chunk.readInt32BE(8) + 12;
        const whole = await readFully(this.log, position, Math.min(need, fileSize - position));
        const check = checkBatch(whole, 0, verifyCrc);
        if (!check.ok) return { endPosition: position, problem: check.reason };
        const header = { ...check.header, position };
        if (!visit(header, whole)) return { endPosition: position };
        at = header.sizeBytes;
      }
      position += at;
    }
    return { endPosition: position };
  }

  /**
   * Recovery: validates every batch (CRC, monotonic offsets within this
   * segment), rebuilds both indexes and the segment's metadata, and cuts the
   * file at the first invalid byte. Returns the bytes cut.
   */
  async recover(): Promise<{ truncatedBytes: number; problem?: string }> {
    const before = await this.log.size();
    const outcome = await this.rebuild(true);
    if (outcome.endPosition < before) {
      await this.log.truncate(outcome.endPosition);
      await this.log.sync();
    }
    this.sizeBytes = outcome.endPosition;
    return { truncatedBytes: before - outcome.endPosition, ...(outcome.problem !== undefined ? { problem: outcome.problem } : {}) };
  }

  private async rebuild(verifyCrc: boolean): Promise<ScanOutcome> {
    const offsetIndex = new OffsetIndex(this.baseOffset, this.maxOffsetIndexEntries);
    const timeIndex = new TimeIndex(this.baseOffset, this.maxTimeIndexEntries);
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.bytesSinceLastIndexEntry = 0;
    let next = this.baseOffset;
    let problem: string | undefined;
    const outcome = await this.scan(0, verifyCrc, (h) => {
      if (h.baseOffset < next || h.lastOffset - this.baseOffset > MAX_RELATIVE_OFFSET) {
        problem = `batch at ${h.position} has base offset ${h.baseOffset}, expected at least ${next}`;
        return false;
      }
      this.indexBatch(offsetIndex, timeIndex, h.lastOffset, h.maxTimestamp, h.position, h.sizeBytes);
      next = h.lastOffset + 1;
      return true;
    }, verifyCrc ? undefined : this.sizeBytes);
    this.offsetIndex = offsetIndex;
    this.timeIndex = timeIndex;
    this.nextOffset = next;
    this.generation += 1;
    this.lastReadEnd = undefined;
    return problem !== undefined ? { endPosition: outcome.endPosition, problem } : outcome;
  }

  /**
   * Without a full scan (clean shutdown, or a segment below the recovery
   * point): load the indexes and read the batches after the last index entry
   * to learn the next offset and max timestamp.
   */
  async loadWithoutRecovery(): Promise<void> {
    const { offsetIndex } = await this.loadIndexes();
    const last = offsetIndex.lastEntry();
    let next = this.baseOffset;
    let lastEnd = last.position;
    const outcome = await this.scan(last.position, false, (h) => {
      if (h.maxTimestamp > this.maxTimestamp) {
        this.maxTimestamp = h.maxTimestamp;
        this.offsetOfMaxTimestamp = h.lastOffset;
      }
      next = h.lastOffset + 1;
      lastEnd = h.position + h.sizeBytes;
      return true;
    }, this.sizeBytes);
    this.nextOffset = next;
    this.bytesSinceLastIndexEntry = lastEnd - last.position;
    if (outcome.problem !== undefined || outcome.endPosition < this.sizeBytes) {
      this.settings.logger.warn({ segment: this.logPath, position: outcome.endPosition, problem: outcome.problem }, "unreadable bytes at the end of a segment; they are ignored");
      this.sizeBytes = outcome.endPosition;
    }
  }

  /** Largest timestamp in the segment (loads the time index if needed); -1 when none. */
  async largestTimestamp(): Promise<number> {
    if (this.maxTimestamp < 0 && this.sizeBytes > 0) await this.loadIndexes();
    return this.maxTimestamp;
  }

  // ---------------------------------------------------------------- reads

  /**
   * Position of the first batch whose last offset is >= `target`, or
   * undefined when the segment has none. Starts from the offset index (or the
   * end of the previous read) and scans forward over batch headers.
   */
  async locate(target: number): Promise<BatchLocation | undefined> {
    if (target >= this.nextOffset) return undefined;
    const cached = this.lastReadEnd;
    // A read that ended just before `target` left the next batch's position: no lookup needed.
    if (cached !== undefined && cached.generation === this.generation && cached.offset === target && cached.position < this.sizeBytes) {
      return cached.nextBatchBytes !== undefined ? { position: cached.position, nextBatchBytes: cached.nextBatchBytes } : { position: cached.position };
    }
    const from = (await this.loadIndexes()).offsetIndex.lookup(target).position;
    const end = this.sizeBytes;
    let position = from;
    while (position < end) {
      const chunk = await readFully(this.log, position, Math.min(LOOKUP_CHUNK_BYTES, end - position));
      let at = 0;
      while (at + BATCH_HEADER_BYTES <= chunk.length) {
        const header = headerOnly(chunk, at);
        if (header === undefined) return undefined;
        if (header.lastOffset >= target) return { position: position + at, baseOffset: header.baseOffset };
        at += header.sizeBytes;
      }
      if (at === 0) return undefined;
      position += at;
    }
    return undefined;
  }

  /** Remembers where a read ended so the next sequential read starts there. */
  noteReadEnd(nextOffset: number, position: number, generation: number, nextBatchBytes?: number): void {
    if (generation !== this.generation) return;
    this.lastReadEnd = nextBatchBytes !== undefined ? { offset: nextOffset, position, generation, nextBatchBytes } : { offset: nextOffset, position, generation };
  }

  /** Reads `length` bytes at `position` (fewer at the end of the file). */
  read(position: number, length: number): Promise<Buffer> {
    return readFully(this.log, position, length);
  }

  /** Fills `buf` from `bufOffset` with bytes at `position`; returns how far `buf` is filled. */
  async readInto(buf: Buffer, bufOffset: number, position: number): Promise<number> {
    let filled = bufOffset;
    while (filled < buf.length) {
      const n = await this.log.read(buf, filled, buf.length - filled, position + (filled - bufOffset));
      if (n <= 0) break;
      filled += n;
    }
    return filled;
  }

  /** Pins the file open for a read; returns false if the segment is already going away. */
  acquire(): boolean {
    if (this.closeRequested) return false;
    this.inFlightReads += 1;
    return true;
  }

  release(): void {
    this.inFlightReads -= 1;
    if (this.inFlightReads === 0 && this.closeRequested) void this.closeNow();
  }

  // ---------------------------------------------------------------- truncation

  /**
   * Removes every batch whose last offset is >= `offset` (a batch that
   * straddles `offset` goes entirely). Returns the bytes removed; the caller
   * fsyncs.
   */
  async truncateTo(offset: number): Promise<number> {
    if (offset >= this.nextOffset) return 0;
    const { offsetIndex, timeIndex } = await this.loadIndexes();
    this.lastReadEnd = undefined;
    const located = offset <= this.baseOffset ? { position: 0, baseOffset: this.baseOffset } : await this.locate(offset);
    if (located === undefined) return 0;
    const cut = { position: located.position, baseOffset: located.baseOffset ?? offset };
    const removed = this.sizeBytes - cut.position;
    await this.log.truncate(cut.position);
    this.sizeBytes = cut.position;
    offsetIndex.truncateToPosition(cut.position);
    timeIndex.truncateTo(cut.baseOffset);
    this.generation += 1;
    this.lastReadEnd = undefined;
    // Recompute the tail state from the last surviving index entry.
    const lastEntry = offsetIndex.lastEntry();
    const lastTime = timeIndex.lastEntry();
    this.maxTimestamp = lastTime?.timestamp ?? -1;
    this.offsetOfMaxTimestamp = lastTime?.offset ?? -1;
    this.nextOffset = this.baseOffset;
    let next = this.baseOffset;
    await this.scan(lastEntry.position, false, (h) => {
      if (h.maxTimestamp > this.maxTimestamp) {
        this.maxTimestamp = h.maxTimestamp;
        this.offsetOfMaxTimestamp = h.lastOffset;
      }
      next = h.lastOffset + 1;
      return true;
    }, this.sizeBytes);
    this.nextOffset = this.sizeBytes > 0 ? next : this.baseOffset;
    this.bytesSinceLastIndexEntry = this.sizeBytes - lastEntry.position;
    if (!this.active) {
      await this.writeIndexFile(this.offsetIndexPath, offsetIndex.bytes(), 0, true);
      await this.writeIndexFile(this.timeIndexPath, timeIndex.bytes(), 0, true);
      this.settings.indexCache.touch(this, offsetIndex.sizeBytes + timeIndex.sizeBytes);
    }
    return removed;
  }

  // ---------------------------------------------------------------- lifecycle

  /** Renames the segment's files by appending `suffix` (e.g. `.deleted`). Missing index files are fine. */
  async renameFiles(suffix: string): Promise<void> {
    for (const path of [this.logPath, this.offsetIndexPath, this.timeIndexPath]) {
      try {
        await this.settings.fs.rename(path, path + suffix);
      } catch (err) {
        if (!hasErrorCode(err, "ENOENT") || path === this.logPath) throw err;
      }
    }
  }

  /** Closes the file once in-flight reads finish; resolves when closed. */
  close(): Promise<void> {
    this.closeRequested = true;
    this.settings.indexCache.remove(this);
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const previous = this.closedWaiter;
      this.closedWaiter = () => {
        previous?.();
        resolve();
      };
      if (this.inFlightReads === 0) void this.closeNow();
    });
  }

  private async closeNow(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.log.close();
    } catch (err) {
      this.settings.logger.warn({ segment: this.logPath, err }, "closing segment file failed");
    }
    this.closedWaiter?.();
  }

  /** Bytes of index held in memory (for the memory bound). */
  get loadedIndexBytes(): number {
    return (this.offsetIndex?.sizeBytes ?? 0) + (this.timeIndex?.sizeBytes ?? 0);
  }

  /** For offsetForTimestamp: the time index, loading it if needed. */
  async timeIndexLoaded(): Promise<TimeIndex> {
    return (await this.loadIndexes()).timeIndex;
  }
}

/** Header fields when only the first 61 bytes of a batch are at hand. */
function headerOnly(chunk: Buffer, at: number): BatchHeader | undefined {
  if (at + BATCH_HEADER_BYTES > chunk.length) return undefined;
  const sizeBytes = chunk.readInt32BE(at + 8) + 12;
  const baseOffset = Number(chunk.readBigInt64BE(at));
  const lastOffsetDelta = chunk.readInt32BE(at + 23);
  if (sizeBytes < BATCH_HEADER_BYTES || lastOffsetDelta < 0 || !Number.isSafeInteger(baseOffset)) return undefined;
  return {
    position: at,
    sizeBytes,
    baseOffset,
    lastOffset: baseOffset + lastOffsetDelta,
    partitionLeaderEpoch: chunk.readInt32BE(at + 12),
    maxTimestamp: Number(chunk.readBigInt64BE(at + 35)),
    recordsCount: chunk.readInt32BE(at + 57),
  };
}
