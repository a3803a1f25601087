import { describe, expect, it } from "vitest";
import { IndexCache, LeaderEpochCache, LogManager } from "@samsa/storage";
import { sizedBatch } from "./helpers/batches.js";
import { FaultyFileSystem } from "./helpers/faulty-fs.js";
import { testConfig } from "./helpers/harness.js";

describe("LeaderEpochCache", () => {
  it("answers OffsetForLeaderEpoch like Kafka", () => {
    const cache = new LeaderEpochCache();
    expect(cache.endOffsetFor(0, 10)).toEqual({ leaderEpoch: -1, endOffset: -1 });
    cache.assign(1, 0);
    cache.assign(3, 100);
    cache.assign(4, 250);
    expect(cache.latestEpoch).toBe(4);
    expect(cache.endOffsetFor(4, 300)).toEqual({ leaderEpoch: 4, endOffset: 300 });
    expect(cache.endOffsetFor(3, 300)).toEqual({ leaderEpoch: 3, endOffset: 250 });
    // An epoch this log never saw: the largest smaller epoch and the start of the next one.
    expect(cache.endOffsetFor(2, 300)).toEqual({ leaderEpoch: 1, endOffset: 100 });
    // Below every known epoch: the requested epoch, ending where the first known one starts.
    expect(cache.endOffsetFor(0, 300)).toEqual({ leaderEpoch: 0, endOffset: 0 });
    expect(cache.endOffsetFor(9, 300)).toEqual({ leaderEpoch: -1, endOffset: -1 });
    expect(cache.endOffsetFor(-1, 300)).toEqual({ leaderEpoch: -1, endOffset: -1 });
  });

  it("ignores repeats, drops contradicting entries, and truncates from either end", () => {
    const cache = new LeaderEpochCache([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 100 },
    ]);
    expect(cache.assign(3, 120)).toBe(false);
    expect(cache.assign(5, 90)).toBe(true);
    expect(cache.entries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 5, startOffset: 90 },
    ]);
    cache.assign(6, 200);
    expect(cache.truncateFromEnd(150)).toBe(true);
    expect(cache.entries().map((e) => e.epoch)).toEqual([1, 5]);
    expect(cache.truncateFromStart(95)).toBe(true);
    expect(cache.entries()).toEqual([{ epoch: 5, startOffset: 95 }]);
  });
});

describe("bounded memory", () => {
  it("keeps indexes of inactive segments within the cache bound", async () => {
    const cache = new IndexCache(2_000);
    const holders = Array.from({ length: 5 }, () => ({ loaded: true, unloadIndexes() { this.loaded = false; } }));
    for (const h of holders) cache.touch(h, 800);
    expect(cache.loadedBytes).toBeLessThanOrEqual(2_000);
    expect(holders.map((h) => h.loaded)).toEqual([false, false, false, true, true]);
  });

  it("a log with many segments holds only a bounded amount of index memory", async () => {
    const fs = new FaultyFileSystem();
    const manager = await LogManager.open({ logDirs: ["/data"], nodeId: 1, fs, defaults: testConfig({ segmentBytes: 5_000, indexIntervalBytes: 64 }), indexCacheMaxBytes: 2_048 });
    const log = await manager.createLog("big", 0);
    for (let i = 0; i < 400; i++) await log.appendAsLeader(sizedBatch(1, 200, i), 0);
    expect(log.segmentCount).toBeGreaterThan(10);
    // Reopen so every inactive segment's index must come from disk through the cache.
    await manager.close();
    const again = await LogManager.open({ logDirs: ["/data"], nodeId: 1, fs, defaults: testConfig({ segmentBytes: 5_000, indexIntervalBytes: 64 }), indexCacheMaxBytes: 2_048 });
    const reopened = again.getLog("big", 0)!;
    for (let offset = 0; offset < 400; offset += 7) expect((await reopened.read(offset, 1)).records.length).toBeGreaterThan(0);
    // Every segment's index was needed once; together they are larger than the bound.
    const { indexCacheLoadedBytes } = again.memoryStats();
    expect(log.segmentCount * 300).toBeGreaterThan(2_048);
    expect(indexCacheLoadedBytes).toBeGreaterThan(0);
    expect(indexCacheLoadedBytes).toBeLessThanOrEqual(2_048);
    await again.close();
  });
});
