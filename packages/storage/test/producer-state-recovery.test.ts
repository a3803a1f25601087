// Producer state survives restarts: snapshots at roll and clean close, replay
// of batch headers after the snapshot (or the whole log without one), a
// corrupt snapshot ignored, truncation rebuilding, and producer expiry.
import { describe, expect, it } from "vitest";
import {
  CorruptProducerSnapshotError,
  LogManager,
  ProducerStateEntry,
  decodeProducerSnapshot,
  encodeProducerSnapshot,
  producerSnapshotFileName,
  type PartitionLog,
} from "@samsa/storage";
import { FaultyFileSystem } from "./helpers/faulty-fs.js";
import { ManualClock, openLog, recordingLogger, testConfig } from "./helpers/harness.js";
import { idempotentBatch } from "./helpers/idempotent-batches.js";

const DIR = "/data/t-0";
const PID = 77;

function snapshotFiles(fs: FaultyFileSystem): string[] {
  return fs
    .paths()
    .filter((p) => p.startsWith(DIR + "/") && p.endsWith(".snapshot"))
    .map((p) => p.slice(DIR.length + 1))
    .sort();
}

function loadedLine(lines: { msg: string; obj: object }[]) {
  return lines.find((l) => l.msg === "producer state loaded")?.obj as { snapshotOffset: number | null; replayedBatches: number } | undefined;
}

/** Three producers with a few batches each; returns what each last batch was answered with. */
async function produceSome(log: PartitionLog, batchesPerProducer: number, epoch = 0): Promise<Map<number, number>> {
  const lastOffsets = new Map<number, number>();
  for (let i = 0; i < batchesPerProducer; i++) {
    for (const pid of [PID, PID + 1, PID + 2]) lastOffsets.set(pid, (await log.appendAsLeader(idempotentBatch(pid, epoch, i * 2, 2), 0)).firstOffset);
  }
  return lastOffsets;
}

describe("producer state across restarts", () => {
  it("writes a snapshot at clean close and restores from it without replaying", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig());
    const last = await produceSome(log, 4);
    await log.close();
    expect(snapshotFiles(fs)).toEqual([producerSnapshotFileName(24)]);
    expect(producerSnapshotFileName(24)).toBe("00000000000000000024.snapshot");
    const { logger, lines } = recordingLogger();
    const reopened = await openLog(fs, testConfig(), { cleanShutdown: true }, new ManualClock(), logger);
    expect(loadedLine(lines)).toMatchObject({ snapshotOffset: 24, replayedBatches: 0 });
    expect(reopened.producerStateStats().producerIds).toBe(3);
    expect(await reopened.appendAsLeader(idempotentBatch(PID + 1, 0, 6, 2), 0)).toMatchObject({ firstOffset: last.get(PID + 1), duplicate: true });
    // All five remembered batches survive the snapshot, not only the last one.
    expect(reopened.producerEntry(PID)?.batches).toHaveLength(4);
    expect(await reopened.appendAsLeader(idempotentBatch(PID, 0, 0, 2), 0)).toMatchObject({ firstOffset: 0, duplicate: true });
  });

  it("rebuilds the state from the whole log after a crash with no snapshot", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig());
    const last = await produceSome(log, 3);
    const before = log.producerEntry(PID);
    const crashed = fs.crash();
    expect(snapshotFiles(crashed)).toEqual([]);
    const { logger, lines } = recordingLogger();
    const reopened = await openLog(crashed, testConfig(), { cleanShutdown: false, recoveryPoint: 0 }, new ManualClock(), logger);
    expect(loadedLine(lines)).toMatchObject({ snapshotOffset: null, replayedBatches: 9 });
    expect(reopened.producerEntry(PID)).toEqual(before);
    expect(await reopened.appendAsLeader(idempotentBatch(PID + 2, 0, 4, 2), 0)).toMatchObject({ firstOffset: last.get(PID + 2), duplicate: true });
    await expect(reopened.appendAsLeader(idempotentBatch(PID, 0, 9, 1), 0)).rejects.toMatchObject({ errorCode: 45 });
  });

  it("snapshots at each roll, keeps the newest two, and replays only what follows the snapshot", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig());
    for (let round = 0; round < 3; round++) {
      await log.appendAsLeader(idempotentBatch(PID, 0, round * 2, 2), 0);
      await log.forceRoll();
    }
    expect(snapshotFiles(fs)).toEqual([producerSnapshotFileName(4), producerSnapshotFileName(6)]);
    await log.appendAsLeader(idempotentBatch(PID, 0, 6, 2), 0);
    const crashed = fs.crash();
    const { logger, lines } = recordingLogger();
    const reopened = await openLog(crashed, testConfig(), { cleanShutdown: false, recoveryPoint: 6 }, new ManualClock(), logger);
    expect(loadedLine(lines)).toMatchObject({ snapshotOffset: 6, replayedBatches: 1 });
    expect(reopened.producerEntry(PID)?.batches.map((b) => b.firstOffset)).toEqual([0, 2, 4, 6]);
    expect(await reopened.appendAsLeader(idempotentBatch(PID, 0, 2, 2), 0)).toMatchObject({ firstOffset: 2, duplicate: true });
  });

  it("ignores a corrupt snapshot with a warning and rebuilds the state from the log", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig());
    const last = await produceSome(log, 2);
    await log.close();
    const path = `${DIR}/${producerSnapshotFileName(12)}`;
    const damaged = Buffer.from(fs.fileBytes(path));
    damaged[damaged.length - 3] ^= 0xff;
    fs.plant(path, damaged);
    const { logger, lines } = recordingLogger();
    const reopened = await openLog(fs, testConfig(), { cleanShutdown: true }, new ManualClock(), logger);
    expect(lines.some((l) => l.level === "warn" && l.msg.includes("producer-state snapshot is unreadable"))).toBe(true);
    expect(loadedLine(lines)).toMatchObject({ snapshotOffset: null, replayedBatches: 6 });
    expect(snapshotFiles(fs)).toEqual([]);
    expect(await reopened.appendAsLeader(idempotentBatch(PID, 0, 2, 2), 0)).toMatchObject({ firstOffset: last.get(PID), duplicate: true });
  });

  it("ignores snapshots beyond the recovered log end (a crash cut the log below them)", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig());
    await log.appendAsLeader(idempotentBatch(PID, 0, 0, 1), 0);
    await log.close();
    // A snapshot that claims more than the log holds, e.g. from a log truncated by recovery.
    fs.plant(`${DIR}/${producerSnapshotFileName(50)}`, encodeProducerSnapshot(50, [new ProducerStateEntry(PID, 0, 1, [{ firstSequence: 0, lastSequence: 40, firstOffset: 0, lastOffset: 49, maxTimestamp: 1 }])]));
    const reopened = await openLog(fs, testConfig(), { cleanShutdown: true });
    expect(reopened.producerEntry(PID)?.lastSequence).toBe(0);
    expect(snapshotFiles(fs)).toEqual([producerSnapshotFileName(1)]);
  });

  it("rebuilds the state on truncation from the newest snapshot at or below the new end", async () => {
    const fs = new FaultyFileSystem();
    const log = await openLog(fs, testConfig());
    await log.appendAsLeader(idempotentBatch(PID, 0, 0, 2), 0);
    await log.forceRoll();
    await log.appendAsLeader(idempotentBatch(PID, 0, 2, 2), 0);
    await log.appendAsLeader(idempotentBatch(PID, 0, 4, 2), 0);
    await log.forceRoll();
    await log.appendAsLeader(idempotentBatch(PID, 0, 6, 2), 0);
    expect(snapshotFiles(fs)).toEqual([producerSnapshotFileName(2), producerSnapshotFileName(6)]);
    await log.truncateTo(4);
    expect(snapshotFiles(fs)).toEqual([producerSnapshotFileName(2)]);
    expect(log.producerEntry(PID)?.batches.map((b) => [b.firstSequence, b.firstOffset])).toEqual([
      [0, 0],
      [2, 2],
    ]);
    // The truncated batch is not a duplicate any more: its retry is written again.
    expect(await log.appendAsLeader(idempotentBatch(PID, 0, 4, 2), 0)).toMatchObject({ firstOffset: 4 });
    expect((await log.appendAsLeader(idempotentBatch(PID, 0, 4, 2), 0)).duplicate).toBe(true);
    await log.truncateFullyAndStartAt(100);
    expect(log.producerStateStats().producerIds).toBe(0);
    expect(snapshotFiles(fs)).toEqual([]);
  });

  it("expires idle producers after producer.id.expiration.ms, at the manager's check interval and at load", async () => {
    const fs = new FaultyFileSystem();
    const clock = new ManualClock(1_000_000);
    const manager = await LogManager.open({
      logDirs: ["/data"], nodeId: 1, clusterId: "c1", fs, clock, defaults: testConfig(),
      producerIdExpirationMs: 60_000, producerIdExpirationCheckIntervalMs: 10_000,
    });
    const log = await manager.createLog("t", 0);
    await log.appendAsLeader(idempotentBatch(PID, 0, 0, 1, 1_000_000), 0);
    await log.appendAsLeader(idempotentBatch(PID + 1, 0, 0, 1, 1_050_000), 0);
    await manager.tick(1_061_000);
    expect(log.producerEntry(PID)).toBeUndefined();
    expect(log.producerEntry(PID + 1)).toBeDefined();
    // Forgotten: it may start over at any sequence, as a new producer.
    expect(await log.appendAsLeader(idempotentBatch(PID, 0, 9, 1, 1_061_000), 0)).toMatchObject({ firstOffset: 2 });
    await manager.close();
    clock.now = 1_115_000;
    const reopened = await LogManager.open({ logDirs: ["/data"], nodeId: 1, clusterId: "c1", fs, clock, defaults: testConfig(), producerIdExpirationMs: 60_000 });
    const again = reopened.getLog("t", 0)!;
    expect(again.producerEntry(PID + 1)).toBeUndefined();
    expect(again.producerEntry(PID)?.lastSequence).toBe(9);
    await reopened.close();
  });
});

describe("producer snapshot format", () => {
  it("round-trips every field and detects any flipped byte", () => {
    const entries = [
      new ProducerStateEntry(5, 2, 1234, [
        { firstSequence: 0, lastSequence: 4, firstOffset: 10, lastOffset: 14, maxTimestamp: 1200 },
        { firstSequence: 5, lastSequence: 5, firstOffset: 20, lastOffset: 20, maxTimestamp: 1234 },
      ]),
      new ProducerStateEntry(Number.MAX_SAFE_INTEGER, 32767, -1, []),
    ];
    const bytes = encodeProducerSnapshot(21, entries);
    expect(decodeProducerSnapshot(bytes)).toEqual({ offset: 21, entries });
    for (let i = 0; i < bytes.length; i++) {
      const damaged = Buffer.from(bytes);
      damaged[i] ^= 0x01;
      expect(() => decodeProducerSnapshot(damaged), `byte ${i}`).toThrow(CorruptProducerSnapshotError);
    }
    expect(() => decodeProducerSnapshot(bytes.subarray(0, bytes.length - 1))).toThrow(CorruptProducerSnapshotError);
  });
});
