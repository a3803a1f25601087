import { describe, expect, it } from "vitest";
import { RecordBatchView, buildRecordBatch, iterateRecords } from "@samsa/protocol";
import { LogCleaner, LogManager, type PartitionLog } from "@samsa/storage";
import { buildBatch, splitBatches } from "./helpers/batches.js";
import { FaultyFileSystem } from "./helpers/faulty-fs.js";
import { ManualClock, openLog, openManager, testConfig } from "./helpers/harness.js";

async function readAllRecords(log: PartitionLog) {
  const out: { offset: number; key: string | null; value: string | null }[] = [];
  let offset = log.logStartOffset;
  for (let guard = 0; guard < 1000 && offset < log.logEndOffset; guard++) {
    const r = await log.read(offset, 1 << 20);
    if (r.records.length === 0) break;
    for (const b of splitBatches(r.records)) {
      expect(b.crcValid).toBe(true);
      for (const rec of iterateRecords(new RecordBatchView(b.bytes))) {
        if (rec.offset >= offset) out.push({ offset: rec.offset, key: rec.key?.toString() ?? null, value: rec.value?.toString() ?? null });
      }
    }
    offset = r.nextOffset;
  }
  return out;
}

/** [base, last] of every batch, read across segments. */
async function batchRanges(log: PartitionLog): Promise<number[][]> {
  const out: number[][] = [];
  let offset = log.logStartOffset;
  for (let guard = 0; guard < 1000 && offset < log.logEndOffset; guard++) {
    const r = await log.read(offset, 1 << 20);
    if (r.records.length === 0) break;
    for (const b of splitBatches(r.records)) out.push([b.baseOffset, b.lastOffset]);
    offset = r.nextOffset;
  }
  return out;
}

const compacted = testConfig({ cleanupPolicy: "compact", segmentBytes: 400, deleteRetentionMs: 10_000, retentionMs: -1 });

describe("log compaction", () => {
  it("keeps the latest record per key in inactive segments, keeping offsets", async () => {
    const fs = new FaultyFileSystem();
    const clock = new ManualClock(100_000);
    const log = await openLog(fs, compacted, { cleanShutdown: false }, clock);
    const writes: [string, string | null][] = [
      ["a", "1"], ["b", "1"], ["a", "2"], ["c", "1"], ["b", "2"], ["a", "3"], ["d", "1"], ["c", null], ["e", "1"], ["a", "4"],
    ];
    for (const [key, value] of writes) await log.appendAsLeader(buildBatch([{ key, value, timestamp: 100_000 }, { key: null, value: "keyless", timestamp: 100_000 }]), 0);
    await log.forceRoll();
    const before = await readAllRecords(log);
    const result = await new LogCleaner().clean(log, 101_000);
    expect(result.recordsRemoved).toBeGreaterThan(0);
    const after = await readAllRecords(log);
    const keyed = after.filter((r) => r.key !== null);
    // Latest per key survives, at its original offset; the young tombstone for c stays.
    const latest = new Map<string, { offset: number; value: string | null }>();
    for (const r of before) if (r.key !== null) latest.set(r.key, { offset: r.offset, value: r.value });
    expect(keyed).toEqual([...latest.entries()].map(([key, v]) => ({ key, ...v })).sort((x, y) => x.offset - y.offset));
    expect(after.filter((r) => r.key === null).length).toBe(writes.length);
    expect(log.logEndOffset).toBe(20);

    // Once delete.retention.ms has passed, the tombstone goes too.
    await new LogCleaner().clean(log, 200_000);
    expect((await readAllRecords(log)).some((r) => r.key === "c")).toBe(false);

    // Appends continue normally after a swap.
    expect((await log.appendAsLeader(buildBatch([{ key: "z", value: "1", timestamp: 1 }]), 0)).firstOffset).toBe(20);
  });

  it("keeps a cleaned batch's last offset when its last record is removed, so its sequence range stays whole", async () => {
    const fs = new FaultyFileSystem();
    const clock = new ManualClock(100_000);
    const log = await openLog(fs, compacted, { cleanShutdown: false }, clock);
    // One batch of three records whose last one is superseded by the next batch.
    await log.appendAsLeader(buildBatch([{ key: "x", value: "1", timestamp: 100_000 }, { key: "y", value: "1", timestamp: 100_000 }, { key: "z", value: "1", timestamp: 100_000 }]), 0);
    await log.appendAsLeader(buildBatch([{ key: "z", value: "2", timestamp: 100_000 }]), 0);
    await log.forceRoll();
    await new LogCleaner().clean(log, 101_000);
    const [first] = splitBatches((await log.read(0, 1 << 20)).records);
    expect(first!.crcValid).toBe(true);
    expect([first!.baseOffset, first!.lastOffset]).toEqual([0, 2]);
    expect([...iterateRecords(new RecordBatchView(first!.bytes))].map((r) => r.offset)).toEqual([0, 1]);
  });

  it("keeps an active producer's latest batch, empty if every record is superseded, so its sequence state rebuilds from the log", async () => {
    const fs = new FaultyFileSystem();
    const clock = new ManualClock(100_000);
    const config = testConfig({ cleanupPolicy: "compact", segmentBytes: 4000, deleteRetentionMs: 10_000, retentionMs: -1 });
    const log = await openLog(fs, config, { cleanShutdown: false }, clock);
    const pid = 42;
    const timestamp = 100_000;
    await log.appendAsLeader(buildRecordBatch({ records: [{ key: "a", value: "p0" }, { key: "b", value: "p1" }], producerId: pid, producerEpoch: 0, baseSequence: 0, timestamp }), 0);
    await log.appendAsLeader(buildRecordBatch({ records: [{ key: "c", value: "p2" }], producerId: pid, producerEpoch: 0, baseSequence: 2, timestamp }), 0);
    // A non-idempotent producer supersedes every record of both batches.
    await log.appendAsLeader(buildBatch([{ key: "a", value: "x", timestamp }, { key: "b", value: "x", timestamp }, { key: "c", value: "x", timestamp }]), 0);
    await log.forceRoll();
    await new LogCleaner().clean(log, 101_000);

    const batches = splitBatches((await log.read(0, 1 << 20)).records);
    expect(batches.map((b) => [b.baseOffset, b.lastOffset])).toEqual([[2, 2], [3, 5]]);
    const empty = new RecordBatchView(batches[0]!.bytes);
    expect(batches[0]!.crcValid).toBe(true);
    expect([empty.recordsCount, empty.producerId, empty.producerEpoch, empty.baseSequence, empty.maxTimestamp]).toEqual([0, pid, 0, 2, timestamp]);
    // A consumer at the empty batch is sent it and steps past it.
    expect((await log.read(2, 1 << 20)).nextOffset).toBe(6);

    // With no snapshot, the producer's state comes back from the log alone: its retry is still a duplicate.
    for (const path of fs.paths()) if (path.endsWith(".snapshot")) await fs.unlink(path);
    const reopened = await openLog(fs.crash(), config, { cleanShutdown: false, recoveryPoint: 0 }, clock);
    expect(reopened.producerEntry(pid)?.lastSequence).toBe(2);
    expect(await reopened.appendAsLeader(buildRecordBatch({ records: [{ key: "c", value: "p2" }], producerId: pid, producerEpoch: 0, baseSequence: 2, timestamp }), 0)).toMatchObject({ firstOffset: 2, duplicate: true });
    expect((await reopened.appendAsLeader(buildRecordBatch({ records: [{ key: "d", value: "p3" }], producerId: pid, producerEpoch: 0, baseSequence: 3, timestamp }), 0)).firstOffset).toBe(6);

    // Once the producer has a later batch, the next pass drops the empty one.
    await reopened.forceRoll();
    await new LogCleaner().clean(reopened, 102_000);
    expect(await batchRanges(reopened)).toEqual([[3, 5], [6, 6]]);
    await reopened.close();
  });

  it("leaves records younger than min.compaction.lag.ms and the active segment alone", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, { ...compacted, minCompactionLagMs: 50_000 });
    for (let i = 0; i < 6; i++) await log.appendAsLeader(buildBatch([{ key: "k", value: String(i), timestamp: 100_000 }]), 0);
    const result = await new LogCleaner().clean(log, 120_000);
    expect(result.recordsRemoved).toBe(0);
    expect((await readAllRecords(log)).length).toBe(6);
  });

  it("survives a crash after the swap file was made durable, and the manager compacts in the background", async () => {
    const fs = new FaultyFileSystem();
    const clock = new ManualClock(100_000);
    const manager = await openManager(fs, compacted, clock);
    const log = await manager.createLog("__consumer_offsets", 0, compacted);
    for (let i = 0; i < 12; i++) await log.appendAsLeader(buildBatch([{ key: `k${i % 3}`, value: `v${i}`, timestamp: 100_000 }]), 0);
    await log.forceRoll();
    await manager.tick(200_000);
    const records = await readAllRecords(log);
    expect(records.map((r) => r.value)).toEqual(["v9", "v10", "v11"]);
    // Simulate a crash between `.swap` and its rename: recovery must finish the swap.
    const first = "/data/__consumer_offsets-0/00000000000000000000.log";
    fs.plant(first + ".swap", fs.fileBytes(first));
    const rebooted = fs.crash();
    const again = await openManager(rebooted, compacted, clock);
    const reopened = again.getLog("__consumer_offsets", 0)!;
    expect((await readAllRecords(reopened)).map((r) => r.value)).toEqual(["v9", "v10", "v11"]);
    expect(rebooted.paths().some((p) => p.endsWith(".swap"))).toBe(false);
  });

  it("leaves compacted logs alone when the manager's compaction is disabled (log.cleaner.enable=false)", async () => {
    const fs = new FaultyFileSystem();
    const clock = new ManualClock(100_000);
    const manager = await LogManager.open({ logDirs: ["/data"], nodeId: 1, clusterId: "c1", fs, clock, defaults: compacted, compactionEnabled: false });
    const log = await manager.createLog("kept", 0, compacted);
    for (let i = 0; i < 6; i++) await log.appendAsLeader(buildBatch([{ key: `k${i % 3}`, value: `v${i}`, timestamp: 100_000 }]), 0);
    await log.forceRoll();
    await manager.tick(200_000);
    expect((await readAllRecords(log)).map((r) => r.value)).toEqual(["v0", "v1", "v2", "v3", "v4", "v5"]);
    await manager.close();
  });

  it("cleans again only past min.cleanable.dirty.ratio, or when dirty records are older than max.compaction.lag.ms", async () => {
    const fs = new FaultyFileSystem();
    const clock = new ManualClock(100_000);
    const config = testConfig({ cleanupPolicy: "compact", segmentBytes: 400, deleteRetentionMs: 86_400_000, retentionMs: -1 });
    const log = await openLog(fs, config, { cleanShutdown: false }, clock);
    const cleaner = new LogCleaner();
    for (let i = 0; i < 12; i++) await log.appendAsLeader(buildBatch([{ key: `k${i}`, value: `v${i}`, timestamp: 100_000 }]), 0);
    await log.forceRoll();
    // First pass: everything is dirty. Nothing is superseded, so nothing is rewritten.
    expect((await cleaner.clean(log, 101_000)).segmentsScanned).toBeGreaterThan(0);
    // One superseding record: a small dirty share, below the default ratio of 0.5.
    await log.appendAsLeader(buildBatch([{ key: "k0", value: "new", timestamp: 100_000 }]), 0);
    await log.forceRoll();
    expect(await cleaner.clean(log, 102_000)).toMatchObject({ segmentsScanned: 0, recordsRemoved: 0 });
    // A ratio of 0 cleans it.
    log.updateConfig({ ...config, minCleanableDirtyRatio: 0 });
    expect((await cleaner.clean(log, 103_000)).recordsRemoved).toBe(1);
    // Below the ratio again, but the dirty records are older than max.compaction.lag.ms.
    await log.appendAsLeader(buildBatch([{ key: "k1", value: "new", timestamp: 100_000 }]), 0);
    await log.forceRoll();
    log.updateConfig({ ...config, maxCompactionLagMs: 60_000 });
    expect(await cleaner.clean(log, 150_000)).toMatchObject({ segmentsScanned: 0 });
    expect((await cleaner.clean(log, 170_000)).recordsRemoved).toBe(1);
  });

  it("runs alongside appends without losing or reordering any", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, compacted);
    for (let i = 0; i < 30; i++) await log.appendAsLeader(buildBatch([{ key: `k${i % 4}`, value: `old${i}`, timestamp: 1 }]), 0);
    await log.forceRoll();
    const cleaning = new LogCleaner().clean(log, 10_000_000);
    const appends = Array.from({ length: 40 }, (_, i) => log.appendAsLeader(buildBatch([{ key: `n${i}`, value: `new${i}`, timestamp: 1 }]), 0));
    const [result, infos] = await Promise.all([cleaning, Promise.all(appends)]);
    expect(result.recordsRemoved).toBe(26);
    expect(infos.map((x) => x.firstOffset)).toEqual(Array.from({ length: 40 }, (_, i) => 30 + i));
    const records = await readAllRecords(log);
    expect(records.filter((r) => r.key?.startsWith("k")).map((r) => r.value)).toEqual(["old26", "old27", "old28", "old29"]);
    expect(records.filter((r) => r.key?.startsWith("n")).map((r) => r.offset)).toEqual(Array.from({ length: 40 }, (_, i) => 30 + i));
  });
});
