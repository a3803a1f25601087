import { describe, expect, it } from "vitest";
import { LogManager, parseOffsetCheckpoint } from "@samsa/storage";
import { sizedBatch } from "./helpers/batches.js";
import { FaultyFileSystem } from "./helpers/faulty-fs.js";
import { ManualClock, testConfig } from "./helpers/harness.js";

describe("LogManager background work", () => {
  it("applies retention, flush.ms and checkpoints from tick(), each on its own interval", async () => {
    const fs = new FaultyFileSystem();
    const clock = new ManualClock(0);
    const defaults = testConfig({ segmentBytes: 1200, retentionMs: 60_000, flushMessages: Number.MAX_SAFE_INTEGER, flushMs: 5_000 });
    const manager = await LogManager.open({ logDirs: ["/data"], nodeId: 1, fs, clock, defaults, retentionCheckIntervalMs: 10_000, checkpointIntervalMs: 30_000 });
    const log = await manager.createLog("t", 0);
    for (let i = 0; i < 9; i++) await log.appendAsLeader(sizedBatch(1, 300, i, 1_000), 0);
    // Committed (as replication would set it), so retention may delete.
    log.highWatermark = 9;
    expect(log.flushedOffset).toBeLessThan(9);
    await manager.tick(6_000);
    expect(log.flushedOffset).toBe(9);
    expect(log.segmentCount).toBe(3);
    await manager.tick(9_000);
    expect(log.segmentCount).toBe(3);
    await manager.tick(70_000);
    expect(log.segmentBaseOffsets()).toEqual([6]);
    const checkpoint = parseOffsetCheckpoint(fs.fileBytes("/data/log-start-offset-checkpoint").toString());
    expect(checkpoint.get("t-0")).toBe(6);
    await manager.close();
  });

  it("spreads new partitions over log dirs and finds them again", async () => {
    const fs = new FaultyFileSystem();
    const manager = await LogManager.open({ logDirs: ["/d1", "/d2"], nodeId: 4, fs, defaults: testConfig() });
    for (let p = 0; p < 4; p++) await manager.createLog("spread", p);
    expect(fs.paths().filter((x) => x.startsWith("/d1/spread-") && x.endsWith(".log")).length).toBe(2);
    expect(fs.paths().filter((x) => x.startsWith("/d2/spread-") && x.endsWith(".log")).length).toBe(2);
    expect(new Set(manager.logDirs().map((d) => d.directoryId)).size).toBe(2);
    await manager.close();
    const again = await LogManager.open({ logDirs: ["/d1", "/d2"], nodeId: 4, fs, defaults: testConfig() });
    expect(again.logs().map((l) => `${l.topic}-${l.partition}`).sort()).toEqual(["spread-0", "spread-1", "spread-2", "spread-3"]);
    await again.close();
  });
});
