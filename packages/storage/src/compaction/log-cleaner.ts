import { join } from "node:path";
import { RecordBatchView, buildEmptyRecordBatch, buildRecordBatch, iterateRecords, type KafkaRecord } from "@samsa/protocol";
import { writeFully } from "../fs/file-io.js";
import { hasErrorCode } from "../fs/file-system.js";
import { CLEANED_SUFFIX, LOG_SUFFIX, OFFSET_INDEX_SUFFIX, SWAP_SUFFIX, TIME_INDEX_SUFFIX, segmentFileName } from "../format/file-names.js";
import type { LogConfig } from "../config/log-config.js";
import type { PartitionLog } from "../partition-log.js";
import { LogSegment } from "../segment.js";

export interface LogCleanerOptions {
  /** Distinct keys one pass may hold in memory; the pass covers fewer segments when exceeded. */
  maxKeys?: number;
}

export interface CleaningResult {
  segmentsScanned: number;
  segmentsRewritten: number;
  recordsRemoved: number;
  bytesBefore: number;
  bytesAfter: number;
}

const DEFAULT_MAX_KEYS = 500_000;

/** What the cleaner remembers per log between passes (in memory; a restart costs one full pass). */
interface CleanerState {
  cleanedUpTo: number;
  lastPassMs: number;
}

/**
 * Log compaction for `cleanup.policy=compact` (and `compact,delete`): keeps
 * the latest record per key in inactive segments, and drops tombstones (null
 * values) whose batch is older than delete.retention.ms.
 *
 * A pass reads segments and writes their cleaned copies to `.cleaned` files
 * outside the log's mutation queue, so appends continue; only the swap (two
 * renames and a directory fsync per segment) runs inside it. The swap goes
 * `.cleaned` -> `.swap` -> `.log`; recovery completes or discards a swap
 * interrupted by a crash.
 */
export class LogCleaner {
  private readonly maxKeys: number;
  private readonly state = new WeakMap<PartitionLog, CleanerState>();

  constructor(options: LogCleanerOptions = {}) {
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  }

  async clean(log: PartitionLog, nowMs: number): Promise<CleaningResult> {
    const result: CleaningResult = { segmentsScanned: 0, segmentsRewritten: 0, recordsRemoved: 0, bytesBefore: 0, bytesAfter: 0 };
    if (log.isFailed) return result;
    const config = log.config;
    const candidates = await this.cleanableSegments(log, nowMs);
    if (candidates.length === 0) return result;
    const previous = this.state.get(log);
    if (previous !== undefined && !(await this.due(candidates, previous, config, nowMs))) return result;

    const { keys, segments } = await this.buildKeyMap(candidates);
    const tombstoneHorizonMs = nowMs - config.deleteRetentionMs;
    const producersLastBatches = log.lastBatchOffsetsOfProducers();
    for (const segment of segments) {
      if (!segment.acquire()) continue;
      let cleaned: { bytes: Buffer[]; removed: number; changed: boolean; sizeBefore: number } | undefined;
      try {
        cleaned = await cleanSegment(segment, keys, tombstoneHorizonMs, producersLastBatches);
      } finally {
        segment.release();
      }
      result.segmentsScanned += 1;
      result.bytesBefore += cleaned.sizeBefore;
      if (!cleaned.changed) {
        result.bytesAfter += cleaned.sizeBefore;
        continue;
      }
      if (await this.swap(log, segment, cleaned.bytes)) {
        result.segmentsRewritten += 1;
        result.recordsRemoved += cleaned.removed;
        result.bytesAfter += cleaned.bytes.reduce((n, b) => n + b.length, 0);
      } else result.bytesAfter += cleaned.sizeBefore;
    }
    this.state.set(log, { cleanedUpTo: segments.length > 0 ? segments[segments.length - 1]!.nextOffset : 0, lastPassMs: nowMs });
    if (result.segmentsRewritten > 0) {
      log.logger.info({ topic: log.topic, partition: log.partition, ...result }, "compacted log");
    }
    return result;
  }

  /**
   * Whether a pass is due, as Kafka's cleaner decides: the dirty share of the
   * compactable bytes (those after the last pass's end) has reached
   * min.cleanable.dirty.ratio, or the first dirty segment's newest record is
   * older than max.compaction.lag.ms, or a tombstone may have expired since
   * the last pass.
   */
  private async due(candidates: readonly LogSegment[], previous: CleanerState, config: LogConfig, nowMs: number): Promise<boolean> {
    if (nowMs - previous.lastPassMs >= config.deleteRetentionMs) return true;
    let cleanBytes = 0;
    let dirtyBytes = 0;
    let oldestDirtyMs = Number.POSITIVE_INFINITY;
    for (const segment of candidates) {
      if (segment.nextOffset <= previous.cleanedUpTo) {
        cleanBytes += segment.sizeBytes;
        continue;
      }
      dirtyBytes += segment.sizeBytes;
      if (oldestDirtyMs === Number.POSITIVE_INFINITY) oldestDirtyMs = await segment.largestTimestamp();
    }
    if (dirtyBytes === 0) return false;
    if (oldestDirtyMs >= 0 && nowMs - oldestDirtyMs > config.maxCompactionLagMs) return true;
    return dirtyBytes / (cleanBytes + dirtyBytes) >= config.minCleanableDirtyRatio;
  }

  /** Inactive segments, oldest first, up to the first one younger than min.compaction.lag.ms. */
  private async cleanableSegments(log: PartitionLog, nowMs: number): Promise<LogSegment[]> {
    const out: LogSegment[] = [];
    for (const segment of log.inactiveSegments()) {
      const newest = await segment.largestTimestamp();
      if (newest >= 0 && nowMs - newest < log.config.minCompactionLagMs) break;
      out.push(segment);
    }
    return out;
  }

  /** Latest offset per key over `segments`, cut at a segment boundary if maxKeys is exceeded. */
  private async buildKeyMap(segments: readonly LogSegment[]): Promise<{ keys: Map<string, number>; segments: LogSegment[] }> {
    const keys = new Map<string, number>();
    const covered: LogSegment[] = [];
    for (const segment of segments) {
      const before = new Map<string, number>();
      let overflow = false;
      if (!segment.acquire()) break;
      try {
        await segment.scan(0, true, (_h, bytes) => {
          for (const record of recordsOf(bytes)) {
            if (record.key === null) continue;
            const k = record.key.toString("latin1");
            if (!keys.has(k) && keys.size >= this.maxKeys) {
              overflow = true;
              return false;
            }
            if (!before.has(k)) before.set(k, keys.get(k) ?? -1);
            keys.set(k, record.offset);
          }
          return true;
        }, segment.sizeBytes);
      } finally {
        segment.release();
      }
      if (overflow) {
        // Undo this segment's partial contribution; later passes pick it up.
        for (const [k, offset] of before) {
          if (offset < 0) keys.delete(k);
          else keys.set(k, offset);
        }
        break;
      }
      covered.push(segment);
    }
    return { keys, segments: covered };
  }

  /**
   * Replaces `segment` with the cleaned bytes: write and fsync `.cleaned`,
   * then inside the log's queue (and only if the segment is still part of the
   * log) rename to `.swap`, fsync the directory, rename over the `.log`, drop
   * the old indexes (rebuilt from the new file) and fsync the directory.
   */
  private async swap(log: PartitionLog, segment: LogSegment, bytes: Buffer[]): Promise<boolean> {
    const fs = log.fileSystem;
    const dir = log.dir;
    const logName = segmentFileName(segment.baseOffset, LOG_SUFFIX);
    const cleanedPath = join(dir, logName + CLEANED_SUFFIX);
    const swapPath = join(dir, logName + SWAP_SUFFIX);
    const file = await fs.open(cleanedPath, "create");
    try {
      await file.truncate(0);
      await writeFully(file, bytes, 0);
      await file.sync();
    } finally {
      await file.close();
    }
    return log.runExclusive(async () => {
      if (!log.inactiveSegments().includes(segment) || log.isFailed) {
        await fs.unlink(cleanedPath).catch(() => undefined);
        return false;
      }
      try {
        await fs.rename(cleanedPath, swapPath);
        await fs.syncDir(dir);
        // From here a crash completes the swap on recovery.
        await fs.rename(swapPath, segment.logPath);
        for (const suffix of [OFFSET_INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
          try {
            await fs.unlink(join(dir, segmentFileName(segment.baseOffset, suffix)));
          } catch (err) {
            if (!hasErrorCode(err, "ENOENT")) throw err;
          }
        }
        await fs.syncDir(dir);
        const replacement = await LogSegment.open(log.segmentSettingsForCompaction, segment.baseOffset, log.clock.nowMs());
        await replacement.loadWithoutRecovery();
        await log.replaceSegment(segment, replacement);
        void segment.close();
        return true;
      } catch (err) {
        log.markFailed(err, "compaction swap");
        return false;
      }
    });
  }
}

function* recordsOf(batchBytes: Buffer): Generator<KafkaRecord> {
  const view = new RecordBatchView(batchBytes);
  if (view.isControl) return;
  yield* iterateRecords(view);
}

/**
 * The segment's batches with superseded records and expired tombstones
 * removed. Batches that lose nothing are kept byte for byte; others are
 * rebuilt with the same base offset, producer fields and compression, so
 * surviving records keep their offsets. A batch that loses every record goes,
 * unless it is the latest batch of a producer the partition remembers
 * (`producersLastBatches`: producer id -> that batch's last offset): that one
 * stays as an empty batch, keeping its offsets and sequence range.
 */
async function cleanSegment(
  segment: LogSegment,
  keys: Map<string, number>,
  tombstoneHorizonMs: number,
  producersLastBatches: ReadonlyMap<number, number>,
): Promise<{ bytes: Buffer[]; removed: number; changed: boolean; sizeBefore: number }> {
  const out: Buffer[] = [];
  let removed = 0;
  const sizeBefore = segment.sizeBytes;
  await segment.scan(0, true, (header, bytes) => {
    const view = new RecordBatchView(bytes);
    if (view.isControl) {
      out.push(Buffer.from(bytes));
      return true;
    }
    const records = [...iterateRecords(view)];
    const lastOfItsProducer = view.producerId >= 0 && producersLastBatches.get(view.producerId) === header.lastOffset;
    const kept = records.filter((r) => {
      if (r.key === null) return true;
      if (keys.get(r.key.toString("latin1")) !== r.offset) return false;
      return r.value !== null || header.maxTimestamp >= tombstoneHorizonMs;
    });
    removed += records.length - kept.length;
    if (kept.length === records.length && (kept.length > 0 || lastOfItsProducer)) out.push(Buffer.from(bytes));
    else if (kept.length > 0) {
      out.push(
        buildRecordBatch({
          records: kept.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offsetDelta: r.offset - view.baseOffset })),
          baseOffset: view.baseOffset,
          partitionLeaderEpoch: view.partitionLeaderEpoch,
          producerId: view.producerId,
          producerEpoch: view.producerEpoch,
          baseSequence: view.baseSequence,
          compression: view.compression as 0 | 1 | 2 | 3 | 4,
          transactional: view.isTransactional,
          logAppendTime: view.isLogAppendTime,
          // As Kafka does for magic 2: the batch keeps its last offset even when its last records are gone.
          lastOffsetDelta: view.lastOffsetDelta,
        }),
      );
    } else if (lastOfItsProducer) {
      out.push(
        buildEmptyRecordBatch({
          baseOffset: view.baseOffset,
          lastOffsetDelta: view.lastOffsetDelta,
          partitionLeaderEpoch: view.partitionLeaderEpoch,
          baseTimestamp: view.baseTimestamp,
          maxTimestamp: view.maxTimestamp,
          producerId: view.producerId,
          producerEpoch: view.producerEpoch,
          baseSequence: view.baseSequence,
          transactional: view.isTransactional,
          logAppendTime: view.isLogAppendTime,
        }),
      );
    }
    return true;
  }, segment.sizeBytes);
  const keptBytes = out.reduce((sum, b) => sum + b.length, 0);
  // Also changed when only empty batches of forgotten producers went (no record removed).
  return { bytes: out, removed, changed: keptBytes !== sizeBefore, sizeBefore };
}
