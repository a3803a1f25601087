import { promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_LOG_CONFIG, LogManager } from "@samsa/storage";
import { sizedBatch, splitBatches } from "./helpers/batches.js";

describe("on the real file system", () => {
  let root: string;
  beforeEach(async () => {
    root = await fsp.mkdtemp(join(tmpdir(), "samsa-storage-test-"));
  });
  afterEach(async () => {
    await fsp.rm(root, { recursive: true, force: true });
  });

  it("lays files out as Kafka does, survives a torn tail, and deletes partitions", async () => {
    const config = { ...DEFAULT_LOG_CONFIG, segmentBytes: 4096 };
    const manager = await LogManager.open({ logDirs: [root], nodeId: 3, clusterId: "cluster-a", defaults: config });
    const log = await manager.createLog("events", 2);
    for (let i = 0; i < 30; i++) await log.appendAsLeader(sizedBatch(2, 300, i), 1);
    await manager.close();

    const dir = join(root, "events-2");
    const files = (await fsp.readdir(dir)).sort();
    expect(files).toContain("00000000000000000000.log");
    expect(files).toContain("00000000000000000000.index");
    expect(files).toContain("00000000000000000000.timeindex");
    expect(files).toContain("leader-epoch-checkpoint");
    expect((await fsp.readdir(root)).sort()).toEqual(
      [".kafka_cleanshutdown", "events-2", "log-start-offset-checkpoint", "meta.properties", "recovery-point-offset-checkpoint", "replication-offset-checkpoint"].sort(),
    );
    expect(await fsp.readFile(join(root, "meta.properties"), "utf8")).toMatch(/node\.id=3/);
    expect(await fsp.readFile(join(dir, "leader-epoch-checkpoint"), "utf8")).toBe("0\n1\n1 0\n");

    // Simulate an unclean stop with half a batch at the end of the active segment.
    await fsp.unlink(join(root, ".kafka_cleanshutdown"));
    const segments = files.filter((f) => f.endsWith(".log"));
    const active = join(dir, segments[segments.length - 1]!);
    await fsp.appendFile(active, sizedBatch(2, 300, 99).subarray(0, 100));

    const again = await LogManager.open({ logDirs: [root], nodeId: 3, clusterId: "cluster-a", defaults: config });
    const reopened = again.getLog("events", 2)!;
    expect(reopened.logEndOffset).toBe(60);
    const first = await reopened.read(0, 1 << 20);
    expect(splitBatches(first.records).every((b) => b.crcValid)).toBe(true);
    expect(await again.deleteLog("events", 2)).toBe(true);
    expect(await fsp.readdir(root)).not.toContain("events-2");
    await again.close();
  });
});
