// A log dir may sit inside another one (`npm run cluster` keeps nodes under
// ./data/node-1..3 while a single node uses ./data). Its name parses as a
// partition dir ("node-1": topic "node", partition 1), so the rule is: a
// directory holding meta.properties is never a partition.
import { describe, expect, it } from "vitest";
import { KafkaStorageError, LogManager } from "@samsa/storage";
import { sizedBatch } from "./helpers/batches.js";
import { FaultyFileSystem } from "./helpers/faulty-fs.js";
import { recordingLogger, testConfig } from "./helpers/harness.js";

describe("a nested log dir under a log dir", () => {
  it("is skipped with a warning at load, never opened or deleted as a partition, and refused by createLog", async () => {
    const fs = new FaultyFileSystem();
    const nested = await LogManager.open({ logDirs: ["/data/node-1"], nodeId: 1, clusterId: "cluster-a", fs, defaults: testConfig() });
    const inner = await nested.createLog("orders", 0);
    await inner.appendAsLeader(sizedBatch(3, 100), 0);
    await nested.close();
    const nestedFiles = fs.paths().filter((p) => p.startsWith("/data/node-1/")).sort();
    expect(nestedFiles).toContain("/data/node-1/meta.properties");

    const { logger, lines } = recordingLogger();
    const outer = await LogManager.open({ logDirs: ["/data"], nodeId: 7, clusterId: "single", fs, defaults: testConfig(), logger });
    expect(outer.logs()).toEqual([]);
    expect(outer.getLog("node", 1)).toBeUndefined();
    expect(lines.filter((l) => l.level === "warn" && (l.obj as { path?: string }).path === "/data/node-1")).toHaveLength(1);
    // Deleting "node-1" by name is a no-op: the manager does not own it.
    expect(await outer.deleteLog("node", 1)).toBe(false);
    await expect(outer.createLog("node", 1)).rejects.toBeInstanceOf(KafkaStorageError);
    // An ordinary partition dir beside it still works.
    await (await outer.createLog("node", 2)).appendAsLeader(sizedBatch(1, 10), 0);
    await outer.close();

    // The nested dir is untouched (the outer manager's checkpoints live in /data itself).
    expect(fs.paths().filter((p) => p.startsWith("/data/node-1/")).sort()).toEqual(nestedFiles);
    const reopened = await LogManager.open({ logDirs: ["/data/node-1"], nodeId: 1, clusterId: "cluster-a", fs, defaults: testConfig() });
    expect(reopened.getLog("orders", 0)?.logEndOffset).toBe(3);
    await reopened.close();
  });
});
