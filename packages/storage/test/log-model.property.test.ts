import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RecordBatchView, iterateRecords } from "@samsa/protocol";
import { LogCleaner, ReadBufferPool, type LogConfig, type PartitionLog, type ReadResult } from "@samsa/storage";
import { buildBatch, sizedBatch, splitBatches } from "./helpers/batches.js";
import { FaultyFileSystem, seededRandom } from "./helpers/faulty-fs.js";
import { ManualClock, openLog, testConfig } from "./helpers/harness.js";

/** One batch as the model knows it: offsets and the exact bytes stored. */
interface ModelBatch {
  base: number;
  last: number;
  bytes: Buffer;
}

type Op =
  | { t: "append"; batches: number; records: number; size: number }
  | { t: "burst"; count: number }
  | { t: "keyed"; records: number; tombstone: boolean }
  | { t: "compact"; withBurst: boolean; rollFirst: boolean }
  | { t: "read"; at: number; maxBytes: number }
  | { t: "roll" }
  | { t: "truncate"; at: number }
  | { t: "deleteRecords"; at: number }
  | { t: "newEpoch" }
  | { t: "crash"; tear: boolean; inFlight: number; delayTicks: number; useRecoveryPoint: boolean }
  | { t: "close" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant("append" as const), batches: fc.integer({ min: 1, max: 3 }), records: fc.integer({ min: 1, max: 3 }), size: fc.integer({ min: 0, max: 300 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("burst" as const), count: fc.integer({ min: 2, max: 6 }) }) },
  { weight: 8, arbitrary: fc.record({ t: fc.constant("keyed" as const), records: fc.integer({ min: 1, max: 3 }), tombstone: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("compact" as const), withBurst: fc.boolean(), rollFirst: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant("read" as const), at: fc.double({ min: 0, max: 1, noNaN: true }), maxBytes: fc.integer({ min: 1, max: 3000 }) }) },
  { weight: 1, arbitrary: fc.constant({ t: "roll" as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("truncate" as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("deleteRecords" as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.constant({ t: "newEpoch" as const }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("crash" as const), tear: fc.boolean(), inFlight: fc.integer({ min: 0, max: 4 }), delayTicks: fc.integer({ min: 0, max: 6 }), useRecoveryPoint: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ t: "close" as const }) },
);

// compact,delete: compaction ops and DeleteRecords both apply; tombstones outlive the run.
const durableConfig: LogConfig = testConfig({ segmentBytes: 4500, indexIntervalBytes: 300, segmentIndexBytes: 96, cleanupPolicy: "compact,delete", deleteRetentionMs: 1e12 });
/** Keys of "keyed" appends: few, so later records supersede earlier ones. */
const COMPACTION_KEYS = ["a", "b", "c"];
const relaxedConfig: LogConfig = { ...durableConfig, flushMessages: 4 };

/** Read results a run keeps unreleased at most. */
const MAX_HELD_READS = 8;
const READ_POOL_BUFFER_BYTES = 4096;
/** Small append groups, so bursts and in-flight appends overlap their writes (two at once)... */
const GROUP_BYTES = 400;
/** ... and delayed writes, so overlapping writes land in any order, a crash possibly between them. */
const WRITE_DELAY_MAX_TICKS = 2;

class Harness {
  model: ModelBatch[] = [];
  logStart = 0;
  epoch = 0;
  seed = 0;
  clock = new ManualClock();
  /** flushedOffset as of the last simulated checkpoint (taken at each roll). */
  checkpointedRecoveryPoint = 0;
  /** Read results kept unreleased, with a copy of their bytes: pooled reads must never overwrite them. */
  held: { view: Buffer; copy: Buffer }[] = [];

  constructor(
    public fs: FaultyFileSystem,
    public log: PartitionLog,
  ) {}

  get logEnd(): number {
    return this.model.length === 0 ? this.logStart : Math.max(this.model[this.model.length - 1]!.last + 1, this.logStart);
  }

  payload(batches: number, records: number, size: number): Buffer {
    const parts: Buffer[] = [];
    for (let i = 0; i < batches; i++) parts.push(sizedBatch(records, size, this.seed++, 1_000 + this.seed));
    return Buffer.concat(parts);
  }

  /** A batch of records with keys from COMPACTION_KEYS; a tombstone (null value) now and then. */
  keyedPayload(records: number, tombstone: boolean): Buffer {
    const seed = this.seed++;
    return buildBatch(
      Array.from({ length: records }, (_, i) => ({
        key: COMPACTION_KEYS[(seed + i * 3) % COMPACTION_KEYS.length]!,
        value: tombstone && i === 0 ? null : `v${seed}-${i}`,
        timestamp: 1_000 + seed,
      })),
    );
  }

  /** Model entries for an acknowledged append (its buffer now holds the assigned offsets). */
  accept(bytes: Buffer): void {
    for (const b of splitBatches(bytes)) this.model.push({ base: b.baseOffset, last: b.lastOffset, bytes: Buffer.from(b.bytes) });
  }

  visible(): ModelBatch[] {
    return this.model.filter((b) => b.last >= this.logStart);
  }

  /** Gives a read's buffer back to the pool, or keeps it and checks later reads never overwrite it. */
  holdOrRelease(result: ReadResult, hold: boolean): void {
    if (!hold) {
      result.release?.();
      return;
    }
    this.held.push({ view: result.records, copy: Buffer.from(result.records) });
    if (this.held.length > MAX_HELD_READS) this.held.shift();
  }

  checkHeldReads(): void {
    for (const h of this.held) expect(h.view.equals(h.copy)).toBe(true);
  }

  async readAll(): Promise<ModelBatch[]> {
    const out: ModelBatch[] = [];
    let offset = this.log.logStartOffset;
    for (let guard = 0; guard < 10_000 && offset < this.log.logEndOffset; guard++) {
      const r = await this.log.read(offset, 1 << 20);
      if (r.records.length === 0) break;
      for (const b of splitBatches(r.records)) {
        expect(b.crcValid).toBe(true);
        out.push({ base: b.baseOffset, last: b.lastOffset, bytes: Buffer.from(b.bytes) });
      }
      offset = r.nextOffset;
      r.release?.();
    }
    return out;
  }
}

/** Every record of `batches` by offset, with its key and value as text. */
function recordsByOffset(batches: readonly ModelBatch[]): Map<number, { key: string | null; value: string | null }> {
  const out = new Map<number, { key: string | null; value: string | null }>();
  for (const b of batches) {
    for (const r of iterateRecords(new RecordBatchView(b.bytes))) out.set(r.offset, { key: r.key?.toString() ?? null, value: r.value?.toString("latin1") ?? null });
  }
  return out;
}

function sameBatches(actual: ModelBatch[], expected: ModelBatch[]): void {
  expect(actual.map((b) => [b.base, b.last])).toEqual(expected.map((b) => [b.base, b.last]));
  for (let i = 0; i < expected.length; i++) expect(actual[i]!.bytes.equals(expected[i]!.bytes)).toBe(true);
}

async function run(config: LogConfig, ops: Op[], seed: number): Promise<void> {
  const durable = config.flushMessages === 1;
  const random = seededRandom(seed);
  // Small pooled buffers, so most reads of the run go through the pool and reuse each other's buffers.
  const readPool = new ReadBufferPool(READ_POOL_BUFFER_BYTES, 2, 0);
  let fs = new FaultyFileSystem(random);
  fs.faults.writeDelayMaxTicks = WRITE_DELAY_MAX_TICKS;
  const h = new Harness(fs, await openLog(fs, config, { cleanShutdown: false }, undefined, undefined, readPool, GROUP_BYTES));
  for (const op of ops) {
    switch (op.t) {
      case "append": {
        const bytes = h.payload(op.batches, op.records, op.size);
        const info = await h.log.appendAsLeader(bytes, h.epoch);
        expect(info.firstOffset).toBe(h.logEnd);
        h.accept(bytes);
        break;
      }
      case "burst": {
        const payloads = Array.from({ length: op.count }, () => h.payload(1, 2, 50));
        await Promise.all(payloads.map((p) => h.log.appendAsLeader(p, h.epoch)));
        for (const p of payloads) h.accept(p);
        break;
      }
      case "keyed": {
        const bytes = h.keyedPayload(op.records, op.tombstone);
        const info = await h.log.appendAsLeader(bytes, h.epoch);
        expect(info.firstOffset).toBe(h.logEnd);
        h.accept(bytes);
        break;
      }
      case "compact": {
        // Compaction (with appends running beside it, sometimes) keeps, at its
        // offset, every record that is the latest of its key, every keyless
        // record and everything in the active segment; it invents nothing.
        if (op.rollFirst) {
          // The records so far become compactable.
          await h.log.forceRoll();
          h.checkpointedRecoveryPoint = h.log.flushedOffset;
        }
        const before = recordsByOffset(h.visible());
        const activeBase = h.log.segmentBaseOffsets().at(-1)!;
        const burst = op.withBurst ? [h.keyedPayload(2, false), h.keyedPayload(1, false)] : [];
        const cleaning = new LogCleaner().clean(h.log, h.clock.now);
        const appended = Promise.all(burst.map((p) => h.log.appendAsLeader(p, h.epoch)));
        await Promise.all([cleaning, appended]);
        for (const p of burst) h.accept(p);
        const expectedEnd = h.logEnd;
        const after = await h.readAll();
        const afterRecords = recordsByOffset(after);
        const all = recordsByOffset(h.visible());
        for (const [offset, record] of afterRecords) expect(all.get(offset), `record at ${offset}`).toEqual(record);
        const latest = new Map<string, number>();
        for (const [offset, record] of all) if (record.key !== null) latest.set(record.key, offset);
        for (const [offset, record] of all) {
          const mustStay = record.key === null || latest.get(record.key) === offset || offset >= activeBase || !before.has(offset);
          if (mustStay) expect(afterRecords.get(offset), `record at ${offset} (${record.key})`).toEqual(record);
        }
        for (let i = 1; i < after.length; i++) expect(after[i]!.base).toBeGreaterThan(after[i - 1]!.last);
        h.model = h.model.filter((b) => b.last < h.logStart).concat(after);
        expect(h.logEnd).toBe(expectedEnd);
        break;
      }
      case "read": {
        const visible = h.visible();
        if (visible.length === 0) break;
        const offset = h.logStart + Math.floor(op.at * (h.logEnd - h.logStart));
        const result = await h.log.read(offset, op.maxBytes);
        const got = splitBatches(result.records);
        const first = visible.findIndex((b) => b.last >= offset);
        if (first < 0) {
          expect(got).toEqual([]);
          break;
        }
        expect(got.length).toBeGreaterThanOrEqual(1);
        expect(got.every((b) => b.crcValid)).toBe(true);
        if (got.length > 1) expect(result.records.length).toBeLessThanOrEqual(op.maxBytes);
        sameBatches(got.map((b) => ({ base: b.baseOffset, last: b.lastOffset, bytes: b.bytes })), visible.slice(first, first + got.length));
        h.checkHeldReads();
        h.holdOrRelease(result, op.at < 0.5);
        break;
      }
      case "roll":
        await h.log.forceRoll();
        h.checkpointedRecoveryPoint = h.log.flushedOffset;
        break;
      case "truncate": {
        const offset = h.logStart + Math.floor(op.at * (h.logEnd - h.logStart));
        await h.log.truncateTo(offset);
        h.model = h.model.filter((b) => b.last < offset);
        if (h.logEnd < h.logStart) h.logStart = h.logEnd;
        break;
      }
      case "deleteRecords": {
        const offset = h.logStart + Math.floor(op.at * (h.logEnd - h.logStart));
        h.logStart = Math.max(h.logStart, offset);
        expect(await h.log.deleteRecordsBefore(offset)).toBe(h.logStart);
        break;
      }
      case "newEpoch":
        h.epoch += 1;
        break;
      case "crash": {
        const inFlight = Array.from({ length: op.inFlight }, () => h.payload(1, 1, 20));
        const settled = inFlight.map((p) => h.log.appendAsLeader(p, h.epoch).then(() => true, () => false));
        for (let i = 0; i < op.delayTicks; i++) await new Promise((r) => setImmediate(r));
        const acked: boolean[] = [];
        let stillAcking = true;
        for (const s of settled) {
          const done = await Promise.race([s, new Promise<undefined>((r) => setImmediate(() => r(undefined)))]);
          stillAcking = stillAcking && done === true;
          acked.push(stillAcking);
        }
        const flushedBeforeCrash = h.log.flushedOffset;
        fs = fs.crash({ tearLastPage: op.tear });
        fs.faults.writeDelayMaxTicks = WRITE_DELAY_MAX_TICKS;
        await Promise.allSettled(settled);
        h.fs = fs;
        const recoveryPoint = op.useRecoveryPoint ? Math.min(h.checkpointedRecoveryPoint, flushedBeforeCrash) : 0;
        h.log = await openLog(fs, config, { cleanShutdown: false, recoveryPoint, logStartOffset: h.logStart }, undefined, undefined, readPool, GROUP_BYTES);
        const actual = await h.readAll();
        const visible = h.visible();
        // The log is a prefix of (model, then in-flight appends in order) ...
        const candidates = [...visible.map((b) => b.bytes), ...inFlight];
        expect(actual.length).toBeLessThanOrEqual(candidates.length);
        for (let i = 0; i < actual.length; i++) expect(actual[i]!.bytes.equals(candidates[i]!)).toBe(true);
        // ... that holds every acknowledged append (durable policy) or everything fsynced (relaxed policy).
        const ackedInFlight = acked.filter((a) => a).length;
        const required = durable ? visible.length + ackedInFlight : visible.filter((b) => b.last < flushedBeforeCrash).length;
        expect(actual.length).toBeGreaterThanOrEqual(required);
        h.model = h.model.filter((b) => b.last < h.logStart).concat(actual);
        h.logStart = h.log.logStartOffset;
        h.checkpointedRecoveryPoint = Math.min(h.checkpointedRecoveryPoint, h.log.logEndOffset);
        break;
      }
      case "close": {
        await h.log.close();
        h.log = await openLog(fs, config, { cleanShutdown: true, recoveryPoint: h.logEnd, logStartOffset: h.logStart }, undefined, undefined, readPool, GROUP_BYTES);
        sameBatches(await h.readAll(), h.visible());
        break;
      }
    }
    expect(h.log.logEndOffset).toBe(h.logEnd);
    expect(h.log.logStartOffset).toBe(h.logStart);
  }
  await h.log.close();
}

const runs = Number(process.env.STORAGE_PROPERTY_RUNS ?? 50);

describe("partition log against an in-memory model", () => {
  it("durable policy: keeps every acknowledged append across random appends, reads, rolls, truncations, retention, crashes and reopens", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 30 }), fc.integer({ min: 1, max: 1_000_000 }), (ops, seed) => run(durableConfig, ops, seed)),
      { numRuns: runs },
    );
  });

  it("relaxed policy: a crash keeps a prefix holding everything fsynced", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 30 }), fc.integer({ min: 1, max: 1_000_000 }), (ops, seed) => run(relaxedConfig, ops, seed)),
      { numRuns: runs },
    );
  });
});
