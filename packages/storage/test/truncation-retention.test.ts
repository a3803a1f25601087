import { describe, expect, it } from "vitest";
import { OffsetSequenceError, OffsetOutOfRangeError } from "@samsa/storage";
import { buildBatch, sizedBatch, splitBatches } from "./helpers/batches.js";
import { FaultyFileSystem } from "./helpers/faulty-fs.js";
import { ManualClock, openLog, openManager, testConfig } from "./helpers/harness.js";

async function fill(log: Awaited<ReturnType<typeof openLog>>, count: number, epoch = 0, timestamp = 1_000) {
  for (let i = 0; i < count; i++) await log.appendAsLeader(sizedBatch(1, 300, i, timestamp + i), epoch);
}

describe("truncation", () => {
  it("truncateTo removes whole batches at and after the offset, across segments, durably", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig({ segmentBytes: 1200 }));
    await fill(log, 4, 1);
    await fill(log, 6, 2);
    expect(log.segmentBaseOffsets()).toEqual([0, 3, 6, 9]);
    log.highWatermark = 10;
    await log.truncateTo(4);
    expect(log.logEndOffset).toBe(4);
    expect(log.highWatermark).toBe(4);
    expect(log.segmentBaseOffsets()).toEqual([0, 3]);
    expect(log.endOffsetFor(1)).toEqual({ leaderEpoch: 1, endOffset: 4 });
    expect(log.latestEpoch).toBe(1);
    expect((await log.appendAsLeader(sizedBatch(1, 1), 3)).firstOffset).toBe(4);
    const rebooted = fs.crash();
    const reopened = await openLog(rebooted, testConfig({ segmentBytes: 1200 }));
    expect(reopened.logEndOffset).toBe(5);
    expect(reopened.epochEntries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 4 },
    ]);
  });

  it("truncateFullyAndStartAt empties the log and restarts it at the offset", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig({ segmentBytes: 1000 }));
    await fill(log, 5);
    await log.truncateFullyAndStartAt(100);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([100, 100]);
    await expect(log.read(0, 10)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    const follower = buildBatch([{ value: "x" }], { baseOffset: 100, epoch: 7 });
    expect(await log.appendAsFollower(follower)).toMatchObject({ firstOffset: 100, lastOffset: 100 });
    expect(log.latestEpoch).toBe(7);
    await expect(log.appendAsFollower(buildBatch([{ value: "y" }], { baseOffset: 50, epoch: 7 }))).rejects.toBeInstanceOf(OffsetSequenceError);
  });

  it("a follower append beyond the int32 range of the segment rolls to a new base offset", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig());
    await log.appendAsFollower(buildBatch([{ value: "a" }], { baseOffset: 0, epoch: 1 }));
    const far = 3_000_000_000;
    await log.appendAsFollower(buildBatch([{ value: "b" }], { baseOffset: far, epoch: 1 }));
    expect(log.segmentBaseOffsets()).toEqual([0, far]);
    await log.appendAsFollower(buildBatch([{ value: "c" }], { baseOffset: 2 * far, epoch: 2 }));
    expect(log.segmentBaseOffsets()).toEqual([0, far, 2 * far]);
    expect(splitBatches((await log.read(far + 1, 1000)).records)[0]!.baseOffset).toBe(2 * far);
    const empty = await openLog(new FaultyFileSystem(), testConfig());
    await empty.appendAsFollower(buildBatch([{ value: "x" }], { baseOffset: far, epoch: 1 }));
    expect([empty.segmentBaseOffsets(), empty.logStartOffset, empty.logEndOffset]).toEqual([[far], far, far + 1]);
  });

  it("follower appends keep offsets and epochs and may skip offsets", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig());
    await log.appendAsFollower(buildBatch([{ value: "a" }, { value: "b" }], { baseOffset: 0, epoch: 1 }));
    await log.appendAsFollower(buildBatch([{ value: "c" }], { baseOffset: 5, epoch: 2 }));
    expect(log.logEndOffset).toBe(6);
    const batches = splitBatches((await log.read(0, 1000)).records);
    expect(batches.map((b) => [b.baseOffset, b.epoch])).toEqual([
      [0, 1],
      [5, 2],
    ]);
    expect(log.endOffsetFor(1)).toEqual({ leaderEpoch: 1, endOffset: 5 });
    expect(splitBatches((await log.read(3, 1000)).records)[0]!.baseOffset).toBe(5);
  });
});

describe("retention", () => {
  it("deletes whole expired segments by retention.ms, never the active one", async () => {
    const fs = new FaultyFileSystem();
    const clock = new ManualClock(100_000);
    const log = await openLog(fs, testConfig({ segmentBytes: 1200, retentionMs: 10_000 }), { cleanShutdown: false }, clock);
    await fill(log, 9, 0, 50_000);
    expect(log.segmentBaseOffsets()).toEqual([0, 3, 6]);
    expect(await log.enforceRetention(55_000)).toBe(0);
    // Nothing the high watermark has not passed goes: at 3, only the first segment.
    log.highWatermark = 3;
    expect(await log.enforceRetention(200_000)).toBe(1);
    log.highWatermark = 9;
    expect(await log.enforceRetention(200_000)).toBe(1);
    expect(log.segmentBaseOffsets()).toEqual([6]);
    expect(log.logStartOffset).toBe(6);
    await expect(log.read(2, 10)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    expect(fs.paths().filter((p) => p.endsWith(".deleted"))).toEqual([]);
  });

  it("deletes oldest segments while the log exceeds retention.bytes", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig({ segmentBytes: 1200, retentionBytes: 2000, retentionMs: -1 }));
    await fill(log, 12);
    log.highWatermark = 12;
    expect(log.segmentBaseOffsets()).toEqual([0, 3, 6, 9]);
    // Deleting a segment must leave at least retention.bytes, as Kafka does.
    expect(await log.enforceRetention(Date.now())).toBe(2);
    expect(log.segmentBaseOffsets()).toEqual([6, 9]);
    expect(log.sizeBytes).toBeGreaterThanOrEqual(2000);
  });

  it("DeleteRecords moves the log start and deletes segments below it; files go after file.delete.delay.ms", async () => {
    const fs = new FaultyFileSystem();
    const clock = new ManualClock(0);
    const manager = await openManager(fs, testConfig({ segmentBytes: 1200, fileDeleteDelayMs: 5_000 }), clock);
    const log = await manager.createLog("t", 0);
    await fill(log, 9);
    expect(await log.deleteRecordsBefore(7)).toBe(7);
    expect(log.segmentBaseOffsets()).toEqual([6]);
    expect(fs.paths().filter((p) => p.endsWith(".log.deleted")).length).toBe(2);
    await manager.tick(1_000);
    expect(fs.paths().filter((p) => p.endsWith(".log.deleted")).length).toBe(2);
    await manager.tick(6_000);
    expect(fs.paths().filter((p) => p.endsWith(".deleted"))).toEqual([]);
    const read = await log.read(7, 1000);
    expect(splitBatches(read.records)[0]!.baseOffset).toBe(7);
    await expect(log.deleteRecordsBefore(100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    await manager.close();
  });
});

describe("offsetForTimestamp", () => {
  it("answers earliest, latest, max-timestamp and by-time lookups", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig({ segmentBytes: 1000, indexIntervalBytes: 1 }));
    const timestamps = [100, 200, 150, 300, 400, 250, 500];
    for (let i = 0; i < timestamps.length; i++) await log.appendAsLeader(sizedBatch(1, 300, i, timestamps[i]), 4);
    expect(await log.offsetForTimestamp(-2)).toMatchObject({ offset: 0 });
    expect(await log.offsetForTimestamp(-1)).toMatchObject({ offset: 7 });
    expect(await log.offsetForTimestamp(-3)).toMatchObject({ offset: 6, timestamp: 500 });
    expect(await log.offsetForTimestamp(0)).toMatchObject({ offset: 0, timestamp: 100 });
    expect(await log.offsetForTimestamp(160)).toMatchObject({ offset: 1, timestamp: 200 });
    expect(await log.offsetForTimestamp(260)).toMatchObject({ offset: 3, timestamp: 300 });
    expect(await log.offsetForTimestamp(450)).toMatchObject({ offset: 6, timestamp: 500, leaderEpoch: 4 });
    expect(await log.offsetForTimestamp(501)).toBeUndefined();
  });

  it("finds the record inside a batch, not just the batch", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig());
    await log.appendAsLeader(buildBatch([{ value: "a", timestamp: 10 }, { value: "b", timestamp: 40 }, { value: "c", timestamp: 20 }, { value: "d", timestamp: 30 }]), 2);
    expect(await log.offsetForTimestamp(25)).toEqual({ offset: 1, timestamp: 40, leaderEpoch: 2 });
    expect(await log.offsetForTimestamp(15)).toEqual({ offset: 1, timestamp: 40, leaderEpoch: 2 });
    expect(await log.offsetForTimestamp(10)).toEqual({ offset: 0, timestamp: 10, leaderEpoch: 2 });
    expect(await log.offsetForTimestamp(-3)).toEqual({ offset: 1, timestamp: 40, leaderEpoch: 2 });
    await log.deleteRecordsBefore(2);
    expect(await log.offsetForTimestamp(15)).toEqual({ offset: 2, timestamp: 20, leaderEpoch: 2 });
  });
});
