import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { LogManager } from "@samsa/storage";
import { describe, expect, it } from "vitest";
// The storage package's fault-injecting file system (POSIX durability, crashes that drop unsynced bytes).
import { FaultyFileSystem, seededRandom } from "../../storage/test/helpers/faulty-fs.js";
import { InMemoryRaftLog, QuorumStateFile, StorageRaftLog, parseSnapshotFileName, snapshotFileName, type LogEntry, type RaftLog } from "../src/index.js";

const payload = (text: string) => new TextEncoder().encode(text);

async function openOn(fs: FaultyFileSystem): Promise<{ manager: LogManager; log: StorageRaftLog }> {
  const manager = await LogManager.open({ logDirs: ["/data"], nodeId: 1, clusterId: "c1", fs });
  return { manager, log: await StorageRaftLog.open({ logManager: manager, nowMs: () => 1_700_000_000_000 }) };
}

function sameView(actual: RaftLog, expected: RaftLog, maxEpoch: number): void {
  expect(actual.startOffset()).toBe(expected.startOffset());
  expect(actual.endOffset()).toBe(expected.endOffset());
  expect(actual.lastEpoch()).toBe(expected.lastEpoch());
  expect(actual.latestSnapshot()?.id ?? null).toEqual(expected.latestSnapshot()?.id ?? null);
  const strip = (entries: LogEntry[]) => entries.map((e) => ({ ...e, payload: Buffer.from(e.payload).toString() }));
  expect(strip(actual.read(actual.startOffset(), 1 << 20))).toEqual(strip(expected.read(expected.startOffset(), 1 << 20)));
  for (let offset = Math.max(0, actual.startOffset() - 2); offset <= actual.endOffset(); offset++) {
    expect(actual.epochAt(offset), `epochAt(${offset})`).toBe(expected.epochAt(offset));
  }
  for (let epoch = 0; epoch <= maxEpoch + 1; epoch++) {
    expect(actual.endOffsetForEpoch(epoch), `endOffsetForEpoch(${epoch})`).toEqual(expected.endOffsetForEpoch(epoch));
  }
}

describe("StorageRaftLog on @samsa/storage (__cluster_metadata-0)", () => {
  it("behaves like the in-memory model through appends, truncations and snapshots, and a crash after flush keeps it all", async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const random = seededRandom(seed);
      let fs = new FaultyFileSystem(seededRandom(seed + 100));
      let { log } = await openOn(fs);
      let model = new InMemoryRaftLog();
      let epoch = 1;
      for (let step = 0; step < 60; step++) {
        const roll = random();
        if (roll < 0.55) {
          if (random() < 0.2) epoch++;
          const count = 1 + Math.floor(random() * 4);
          const kind = random() < 0.15 ? ("leader-change" as const) : ("data" as const);
          const entries: LogEntry[] = Array.from({ length: count }, (_, i) => ({ offset: model.endOffset() + i, epoch, kind, payload: payload(`s${seed}-${step}-${i}`) }));
          model.append(entries);
          log.append(entries);
        } else if (roll < 0.7) {
          const to = model.startOffset() + Math.floor(random() * (model.endOffset() - model.startOffset() + 1));
          model.truncateTo(to);
          log.truncateTo(to);
        } else if (roll < 0.8 && model.endOffset() > model.startOffset()) {
          const end = model.startOffset() + 1 + Math.floor(random() * (model.endOffset() - model.startOffset()));
          const snapshot = { id: { endOffset: end, epoch: model.epochAt(end - 1)! }, data: payload(`snap-${end}`) };
          model.saveSnapshotAndDeletePrefix(snapshot);
          log.saveSnapshotAndDeletePrefix(snapshot);
        } else if (roll < 0.85) {
          const end = model.endOffset() + 1 + Math.floor(random() * 5);
          epoch++;
          const snapshot = { id: { endOffset: end, epoch }, data: payload(`installed-${end}`) };
          model.installSnapshot(snapshot);
          log.installSnapshot(snapshot);
        } else {
          await log.flush();
          model.flush();
          fs = fs.crash({ tearLastPage: true });
          ({ log } = await openOn(fs));
          model = model.crashed();
        }
        sameView(log, model, epoch);
      }
      await log.flush();
      const snapshots = (await fs.readdir("/data/__cluster_metadata-0")).filter((n) => n.endsWith(".checkpoint"));
      expect(snapshots.length).toBeLessThanOrEqual(1);
      if (model.latestSnapshot()) expect(snapshots).toEqual([snapshotFileName(model.latestSnapshot()!.id)]);
    }
  });

  it("a crash before flush loses at most the unflushed suffix; a torn tail is cut and every kept entry is intact", async () => {
    for (let seed = 1; seed <= 8; seed++) {
      let fs = new FaultyFileSystem(seededRandom(seed));
      const { log } = await openOn(fs);
      const durable: LogEntry[] = Array.from({ length: 20 }, (_, i) => ({ offset: i, epoch: 1, kind: "data" as const, payload: payload(`durable-${i}`) }));
      log.append(durable);
      await log.flush();
      const volatile: LogEntry[] = Array.from({ length: 30 }, (_, i) => ({ offset: 20 + i, epoch: 2, kind: "data" as const, payload: payload(`volatile-${i}`.repeat(50)) }));
      for (const entry of volatile) log.append([entry]);
      // Let some writes reach the (unsynced) page cache before the power fails.
      await new Promise((r) => setTimeout(r, seed));
      fs = fs.crash({ tearLastPage: true });
      const { log: reopened } = await openOn(fs);
      expect(reopened.endOffset()).toBeGreaterThanOrEqual(20);
      const kept = reopened.read(0, 1 << 24);
      expect(kept.length).toBe(reopened.endOffset());
      kept.forEach((entry, i) => expect(Buffer.from(entry.payload).toString()).toBe(Buffer.from([...durable, ...volatile][i]!.payload).toString()));
      // The log accepts appends after recovery, at its recovered end.
      reopened.append([{ offset: reopened.endOffset(), epoch: 3, kind: "data", payload: payload("after") }]);
      await reopened.flush();
      expect(reopened.endOffsetForEpoch(2).endOffset).toBe(reopened.endOffset() - 1);
    }
  });

  it("stores entries as record batches with the Raft epoch as partitionLeaderEpoch, feeding the storage epoch cache", async () => {
    const fs = new FaultyFileSystem();
    const { manager, log } = await openOn(fs);
    log.append([{ offset: 0, epoch: 1, kind: "leader-change", payload: payload("{}") }]);
    log.append([1, 2, 3].map((offset) => ({ offset, epoch: 1, kind: "data" as const, payload: payload(`d${offset}`) })));
    log.append([{ offset: 4, epoch: 3, kind: "leader-change", payload: payload("{}") }]);
    await log.flush();
    const partition = manager.getLog("__cluster_metadata", 0)!;
    expect(partition.logEndOffset).toBe(5);
    expect(partition.epochEntries()).toEqual([{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 4 }]);
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 1, endOffset: 4 });
  });

  it("snapshot files use the KIP-630 name and survive a clean restart with the quorum state", async () => {
    expect(snapshotFileName({ endOffset: 42, epoch: 7 })).toBe("00000000000000000042-0000000007.checkpoint");
    expect(parseSnapshotFileName("00000000000000000042-0000000007.checkpoint")).toEqual({ endOffset: 42, epoch: 7 });
    expect(parseSnapshotFileName("42-7.checkpoint")).toBeUndefined();
    const dir = await mkdtemp(path.join(tmpdir(), "samsa-raftlog-"));
    try {
      const open = async () => {
        const manager = await LogManager.open({ logDirs: [dir], nodeId: 1, clusterId: "c1" });
        return { manager, log: await StorageRaftLog.open({ logManager: manager }), quorum: new QuorumStateFile(dir, "c1", [1, 2, 3]) };
      };
      const first = await open();
      first.log.append(Array.from({ length: 10 }, (_, i) => ({ offset: i, epoch: 2, kind: "data" as const, payload: payload(`r${i}`) })));
      first.log.saveSnapshotAndDeletePrefix({ id: { endOffset: 6, epoch: 2 }, data: payload("image@6") });
      await first.log.flush();
      await first.quorum.write({ epoch: 2, votedId: 3, leaderId: 3 });
      await first.manager.close();
      const files = await readdir(path.join(dir, "__cluster_metadata-0"));
      expect(files).toContain("00000000000000000006-0000000002.checkpoint");

      const second = await open();
      expect(await second.quorum.read()).toEqual({ epoch: 2, votedId: 3, leaderId: 3 });
      expect(second.log.latestSnapshot()!.id).toEqual({ endOffset: 6, epoch: 2 });
      expect(Buffer.from(second.log.latestSnapshot()!.data).toString()).toBe("image@6");
      expect(second.log.startOffset()).toBe(6);
      expect(second.log.read(6, 1 << 20).map((e) => Buffer.from(e.payload).toString())).toEqual(["r6", "r7", "r8", "r9"]);
      await second.manager.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
