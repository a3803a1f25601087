import { describe, expect, it } from "vitest";
import { CorruptRecordError, IndexCache, InvalidRecordError, OffsetOutOfRangeError, PartitionLog, RecordListTooLargeError, RecordTooLargeError, silentLogger } from "@samsa/storage";
import { buildBatch, sizedBatch, splitBatches } from "./helpers/batches.js";
import { FaultyFileSystem } from "./helpers/faulty-fs.js";
import { ManualClock, openLog, testConfig } from "./helpers/harness.js";

describe("PartitionLog appends and reads", () => {
  it("assigns offsets and leader epochs in place and reads whole batches back", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig());
    const a = await log.appendAsLeader(sizedBatch(3, 10), 5);
    const b = await log.appendAsLeader(sizedBatch(2, 10, 1), 5);
    expect(a).toMatchObject({ firstOffset: 0, lastOffset: 2, recordCount: 3, batchCount: 1, logAppendTimeMs: -1 });
    expect(b).toMatchObject({ firstOffset: 3, lastOffset: 4 });
    expect(log.logEndOffset).toBe(5);
    expect(log.flushedOffset).toBe(5);
    const read = await log.read(0, 1 << 20, 5);
    const batches = splitBatches(read.records);
    expect(batches.map((x) => [x.baseOffset, x.lastOffset, x.epoch, x.crcValid])).toEqual([
      [0, 2, 5, true],
      [3, 4, 5, true],
    ]);
    expect(read.nextOffset).toBe(5);
    // A fetch in the middle of a batch returns the whole batch.
    expect(splitBatches((await log.read(4, 1 << 20)).records).map((x) => x.baseOffset)).toEqual([3]);
  });

  it("bounds reads by the upper bound and by maxBytes, but always returns a whole first batch", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig());
    for (let i = 0; i < 4; i++) await log.appendAsLeader(sizedBatch(1, 500, i), 0);
    expect(splitBatches((await log.read(0, 1 << 20, 2)).records).map((x) => x.baseOffset)).toEqual([0, 1]);
    expect(splitBatches((await log.read(0, 10)).records).map((x) => x.baseOffset)).toEqual([0]);
    expect(splitBatches((await log.read(1, 1200)).records).map((x) => x.baseOffset)).toEqual([1, 2]);
    const empty = await log.read(4, 100);
    expect(empty.records.length).toBe(0);
    expect(empty.nextOffset).toBe(4);
    await expect(log.read(5, 100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
  });

  it("refuses invalid input with typed errors and leaves the log unchanged", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig({ maxMessageBytes: 400, segmentBytes: 1000 }));
    const good = sizedBatch(1, 10);
    const badCrc = Buffer.from(good);
    badCrc[badCrc.length - 1] ^= 1;
    await expect(log.appendAsLeader(badCrc, 0)).rejects.toBeInstanceOf(CorruptRecordError);
    await expect(log.appendAsLeader(good.subarray(0, good.length - 3), 0)).rejects.toBeInstanceOf(CorruptRecordError);
    const badMagic = Buffer.from(good);
    badMagic[16] = 1;
    await expect(log.appendAsLeader(badMagic, 0)).rejects.toMatchObject({ errorCode: 2 });
    await expect(log.appendAsLeader(sizedBatch(1, 500), 0)).rejects.toBeInstanceOf(RecordTooLargeError);
    const many = Buffer.concat([sizedBatch(1, 300, 1), sizedBatch(1, 300, 2), sizedBatch(1, 300, 3), sizedBatch(1, 300, 4)]);
    await expect(log.appendAsLeader(many, 0)).rejects.toBeInstanceOf(RecordListTooLargeError);
    await expect(log.appendAsLeader(buildBatch([]), 0)).rejects.toBeInstanceOf(InvalidRecordError);
    // A good batch after a bad one in the same request: the whole request is refused.
    await expect(log.appendAsLeader(Buffer.concat([good, badCrc]), 0)).rejects.toMatchObject({ errorCode: 2 });
    expect(log.logEndOffset).toBe(0);
    expect(log.sizeBytes).toBe(0);
  });

  it("stamps LogAppendTime batches and keeps their CRC valid", async () => {
    const fs = new FaultyFileSystem();
    const clock = new ManualClock(42_000);
    const log = await openLog(fs, testConfig({ messageTimestampType: "LogAppendTime" }), { cleanShutdown: false }, clock);
    const info = await log.appendAsLeader(sizedBatch(2, 10, 0, 5), 1);
    expect(info.logAppendTimeMs).toBe(42_000);
    const [batch] = splitBatches((await log.read(0, 1000)).records);
    expect(batch!.crcValid).toBe(true);
    expect(batch!.bytes.readBigInt64BE(35)).toBe(42_000n);
    expect(batch!.bytes.readInt16BE(21) & 0x08).toBe(0x08);
  });

  it("rolls segments on segment.bytes and segment.ms and reads across them", async () => {
    const fs = new FaultyFileSystem();
    const clock = new ManualClock();
    const log = await openLog(fs, testConfig({ segmentBytes: 1200, segmentMs: 60_000 }), { cleanShutdown: false }, clock);
    for (let i = 0; i < 6; i++) await log.appendAsLeader(sizedBatch(1, 500, i), 0);
    expect(log.segmentBaseOffsets()).toEqual([0, 2, 4]);
    clock.now += 61_000;
    await log.appendAsLeader(sizedBatch(1, 10), 0);
    expect(log.segmentBaseOffsets()).toEqual([0, 2, 4, 6]);
    for (let offset = 0; offset < 7; offset++) {
      const [first] = splitBatches((await log.read(offset, 1)).records);
      expect(first!.baseOffset).toBe(offset);
    }
    // Inactive segments' index files are trimmed; the active one's stays preallocated.
    expect(fs.fileBytes("/data/t-0/00000000000000000000.index").length).toBe(0);
    expect(fs.fileBytes("/data/t-0/00000000000000000006.index").length).toBe(DEFAULT_INDEX_BYTES);
  });

  it("rolls up to segment.jitter.ms early, a draw per segment", async () => {
    const fs = new FaultyFileSystem();
    const clock = new ManualClock();
    const draws = [0.5, 0.1];
    const log = await PartitionLog.open(
      { fs, dir: "/data/t-0", topic: "t", partition: 0, config: testConfig({ segmentMs: 60_000, segmentJitterMs: 20_000 }), clock, logger: silentLogger, indexCache: new IndexCache(1 << 20), random: () => draws.shift() ?? 0 },
      { cleanShutdown: false },
    );
    await log.appendAsLeader(sizedBatch(1, 10), 0);
    // First segment: jitter 10 s, so it rolls once older than 50 s.
    clock.now += 49_000;
    await log.appendAsLeader(sizedBatch(1, 10, 1), 0);
    expect(log.segmentBaseOffsets()).toEqual([0]);
    clock.now += 2_000;
    await log.appendAsLeader(sizedBatch(1, 10, 2), 0);
    expect(log.segmentBaseOffsets()).toEqual([0, 2]);
    // Second segment: jitter 2 s, so 57 s is not yet old enough, 58.5 s is.
    clock.now += 57_000;
    await log.appendAsLeader(sizedBatch(1, 10, 3), 0);
    expect(log.segmentBaseOffsets()).toEqual([0, 2]);
    clock.now += 1_500;
    await log.appendAsLeader(sizedBatch(1, 10, 4), 0);
    expect(log.segmentBaseOffsets()).toEqual([0, 2, 4]);
    await log.close();
  });

  it("indexes every index.interval.bytes and finds offsets through the index", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig({ indexIntervalBytes: 100, segmentBytes: 100_000 }));
    for (let i = 0; i < 50; i++) await log.appendAsLeader(sizedBatch(2, 60, i), 0);
    await log.forceRoll();
    const index = fs.fileBytes("/data/t-0/00000000000000000000.index");
    expect(index.length).toBeGreaterThan(8 * 10);
    // Entries are (relative last offset, position) and strictly increase.
    for (let i = 8; i < index.length; i += 8) expect(index.readInt32BE(i)).toBeGreaterThan(index.readInt32BE(i - 8));
    for (const offset of [0, 1, 37, 64, 99]) {
      const [first] = splitBatches((await log.read(offset, 1)).records);
      expect(first!.baseOffset).toBe(offset - (offset % 2));
    }
  });

  it("wakes append listeners when the bytes are written and again when they are fsynced", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig());
    const seen: { logEndOffset: number; flushedOffset: number }[] = [];
    const off = log.onAppend((e) => seen.push(e));
    await log.appendAsLeader(sizedBatch(2, 1), 0);
    off();
    await log.appendAsLeader(sizedBatch(2, 1), 0);
    expect(seen).toEqual([
      { logEndOffset: 2, flushedOffset: 0 },
      { logEndOffset: 2, flushedOffset: 2 },
    ]);
  });
});

const DEFAULT_INDEX_BYTES = 10 * 1024 * 1024;
