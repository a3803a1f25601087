import { describe, expect, it } from "vitest";
import { KafkaStorageError } from "@samsa/storage";
import { sizedBatch, splitBatches } from "./helpers/batches.js";
import { FaultyFileSystem, seededRandom } from "./helpers/faulty-fs.js";
import { openLog, openManager, recordingLogger, testConfig } from "./helpers/harness.js";

describe("durability", () => {
  it("shares one fsync among appends waiting at the same time (group commit)", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig());
    // The first append of an epoch also writes the leader-epoch checkpoint: keep that fsync out of the count.
    await log.appendAsLeader(sizedBatch(1, 100, 99), 0);
    const before = fs.syncCount;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => log.appendAsLeader(sizedBatch(1, 100, i), 0)));
    expect(results.map((r) => r.firstOffset)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // The first append starts its write at once, alone; the 19 queued behind it share the next fsync.
    expect(fs.syncCount - before).toBeLessThanOrEqual(2);
  });

  it("acknowledges only durable appends: a crash keeps every acknowledged batch", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig());
    for (let i = 0; i < 10; i++) await log.appendAsLeader(sizedBatch(1, 100, i), 0);
    const rebooted = fs.crash({ tearLastPage: true });
    const reopened = await openLog(rebooted, testConfig());
    expect(reopened.logEndOffset).toBe(10);
    expect(splitBatches((await reopened.read(0, 1 << 20)).records).every((b) => b.crcValid)).toBe(true);
  });

  it("with the relaxed policy, fsyncs every flush.messages and on flush.ms", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig({ flushMessages: 5 }));
    for (let i = 0; i < 4; i++) await log.appendAsLeader(sizedBatch(1, 10, i), 0);
    expect(log.flushedOffset).toBe(0);
    await log.appendAsLeader(sizedBatch(1, 10), 0);
    expect(log.flushedOffset).toBe(5);
    const timed = await openLog(new FaultyFileSystem(), testConfig({ flushMessages: Number.MAX_SAFE_INTEGER, flushMs: 1000 }));
    await timed.appendAsLeader(sizedBatch(1, 10), 0);
    expect(timed.flushedOffset).toBe(0);
    await timed.maybeFlush(Date.now() + 10_000_000);
    expect(timed.flushedOffset).toBe(1);
  });

  it("stops the log on an fsync error: that append and every later one fail", async () => {
    const fs = new FaultyFileSystem();
    const { logger, lines } = recordingLogger();
    const log = await openLog(fs, testConfig(), { cleanShutdown: false }, undefined, logger);
    await log.appendAsLeader(sizedBatch(1, 10), 0);
    fs.faults.failSyncs = true;
    await expect(log.appendAsLeader(sizedBatch(1, 10), 0)).rejects.toBeInstanceOf(KafkaStorageError);
    fs.faults.failSyncs = false;
    await expect(log.appendAsLeader(sizedBatch(1, 10), 0)).rejects.toMatchObject({ errorCode: 56 });
    expect(log.isFailed).toBe(true);
    expect(lines.some((l) => l.level === "error")).toBe(true);
  });

  it("stops on ENOSPC, and recovery removes the partial batch", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig());
    await log.appendAsLeader(sizedBatch(1, 100), 0);
    fs.faults.freeBytes = 50;
    await expect(log.appendAsLeader(sizedBatch(1, 100, 1), 0)).rejects.toBeInstanceOf(KafkaStorageError);
    fs.faults.freeBytes = undefined;
    const rebooted = fs.crash();
    const reopened = await openLog(rebooted, testConfig());
    expect(reopened.logEndOffset).toBe(1);
  });

  it("with overlapping group writes, a failed write fails every later group, even one whose bytes landed first", async () => {
    let laterLandedFirst = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const fs = new FaultyFileSystem(seededRandom(seed));
      const tinyGroups = 64;
      const log = await openLog(fs, testConfig(), undefined, undefined, undefined, undefined, tinyGroups);
      await log.appendAsLeader(sizedBatch(1, 100), 0);
      const appends = [sizedBatch(1, 100, 1), sizedBatch(1, 100, 2), sizedBatch(1, 100, 3)];
      // Room for one batch: whichever write lands first takes it, the other fails with ENOSPC.
      fs.faults.freeBytes = appends[0]!.length;
      fs.faults.writeDelayMaxTicks = 3;
      const outcomes = await Promise.all(appends.map((b) => log.appendAsLeader(b, 0).then(() => true, () => false)));
      const firstFailure = outcomes.indexOf(false);
      expect(firstFailure, `seed ${seed}`).toBeGreaterThanOrEqual(0);
      expect(outcomes.slice(firstFailure).every((ok) => !ok), `seed ${seed}: ${outcomes}`).toBe(true);
      expect(log.isFailed).toBe(true);
      if (firstFailure === 0 && fs.fileBytes("/data/t-0/00000000000000000000.log").length > appends[0]!.length) laterLandedFirst += 1;
      fs.faults.freeBytes = undefined;
      fs.faults.writeDelayMaxTicks = undefined;
      const reopened = await openLog(fs.crash(), testConfig());
      // Every acknowledged append survives; beyond them at most a prefix of the
      // failed ones (an fsync may have been under way when the failure hit), never one after a hole.
      expect(reopened.logEndOffset, `seed ${seed}`).toBeGreaterThanOrEqual(1 + firstFailure);
      const stored = splitBatches((await reopened.read(0, 1 << 20)).records);
      expect(stored.length).toBe(reopened.logEndOffset);
      for (let i = 1; i < stored.length; i++) expect(stored[i]!.bytes.subarray(12).equals(appends[i - 1]!.subarray(12)), `seed ${seed} batch ${i}`).toBe(true);
      await reopened.close();
    }
    // The case that matters happened: a later group's bytes were on disk, yet it was not acknowledged.
    expect(laterLandedFirst).toBeGreaterThan(0);
  });

  it("loops over short writes", async () => {
    const fs = new FaultyFileSystem();
    fs.faults.shortWrites = true;
    const log = await openLog(fs, testConfig());
    for (let i = 0; i < 20; i++) await log.appendAsLeader(sizedBatch(3, 200, i), 0);
    fs.faults.shortWrites = false;
    const batches = splitBatches((await log.read(0, 1 << 20)).records);
    expect(batches.length).toBe(20);
    expect(batches.every((b) => b.crcValid)).toBe(true);
  });
});

describe("recovery", () => {
  it("truncates a torn tail at the first invalid byte and rebuilds indexes", async () => {
    const fs = new FaultyFileSystem();
    const { logger, lines } = recordingLogger();
    const log = await openLog(fs, testConfig({ indexIntervalBytes: 50 }));
    for (let i = 0; i < 10; i++) await log.appendAsLeader(sizedBatch(1, 100, i), 0);
    const path = "/data/t-0/00000000000000000000.log";
    const bytes = fs.fileBytes(path);
    const batchSize = bytes.length / 10;
    // Damage batch 7 (offset 7): it and everything after must go.
    const damaged = Buffer.from(bytes);
    damaged[batchSize * 7 + 70] ^= 0x55;
    fs.plant(path, damaged);
    fs.plant("/data/t-0/00000000000000000000.index", Buffer.from("garbage!garbage"));
    const rebooted = fs.crash();
    const reopened = await openLog(rebooted, testConfig({ indexIntervalBytes: 50 }), { cleanShutdown: false }, undefined, logger);
    expect(reopened.logEndOffset).toBe(7);
    expect(rebooted.fileBytes(path).length).toBe(batchSize * 7);
    expect(lines.some((l) => l.level === "warn" && /invalid batch/.test(l.msg))).toBe(true);
    for (let offset = 0; offset < 7; offset++) {
      expect(splitBatches((await reopened.read(offset, 1)).records)[0]!.baseOffset).toBe(offset);
    }
    await reopened.appendAsLeader(sizedBatch(1, 5), 0);
    expect(reopened.logEndOffset).toBe(8);
  });

  it("skips the scan after a clean shutdown and keeps offsets, start offset, high watermark and epochs", async () => {
    const fs = new FaultyFileSystem();
    const manager = await openManager(fs, testConfig({ segmentBytes: 600 }));
    const log = await manager.createLog("orders", 3);
    for (let i = 0; i < 5; i++) await log.appendAsLeader(sizedBatch(1, 200, i), i < 3 ? 1 : 2);
    log.highWatermark = 4;
    expect(await log.deleteRecordsBefore(2)).toBe(2);
    await manager.close();
    expect(fs.paths()).toContain("/data/.kafka_cleanshutdown");
    const again = await openManager(fs, testConfig({ segmentBytes: 600 }));
    expect(fs.paths()).not.toContain("/data/.kafka_cleanshutdown");
    const reopened = again.getLog("orders", 3)!;
    expect(reopened.logEndOffset).toBe(5);
    expect(reopened.logStartOffset).toBe(2);
    expect(reopened.highWatermark).toBe(4);
    expect(reopened.endOffsetFor(1)).toEqual({ leaderEpoch: 1, endOffset: 3 });
    expect(reopened.endOffsetFor(2)).toEqual({ leaderEpoch: 2, endOffset: 5 });
    expect((await reopened.appendAsLeader(sizedBatch(1, 1), 2)).firstOffset).toBe(5);
    await again.close();
  });

  it("reports garbage checkpoints and recovers fully instead of crashing", async () => {
    const fs = new FaultyFileSystem();
    const manager = await openManager(fs, testConfig());
    const log = await manager.createLog("t", 0);
    for (let i = 0; i < 3; i++) await log.appendAsLeader(sizedBatch(1, 10, i), 0);
    await manager.close();
    fs.plant("/data/recovery-point-offset-checkpoint", Buffer.from("\x00\x01nonsense"));
    fs.plant("/data/t-0/leader-epoch-checkpoint", Buffer.from("0\n5\n1 2\n"));
    const { logger, lines } = recordingLogger();
    const again = await openManager(fs, testConfig(), undefined, logger);
    expect(again.getLog("t", 0)!.logEndOffset).toBe(3);
    expect(lines.filter((l) => l.level === "warn").length).toBeGreaterThanOrEqual(2);
  });

  it("refuses a log dir that belongs to another node", async () => {
    const fs = new FaultyFileSystem();
    const manager = await openManager(fs, testConfig());
    await manager.close();
    const { LogManager } = await import("@samsa/storage");
    await expect(LogManager.open({ logDirs: ["/data"], nodeId: 2, fs })).rejects.toMatchObject({ code: "INCONSISTENT_LOG_DIR" });
  });
});
