import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quorumStatus } from "../src/commands/metadata-quorum.js";
import { runCli, startTestBroker } from "./cli-harness.js";

let harness: Awaited<ReturnType<typeof startTestBroker>>;

beforeAll(async () => {
  harness = await startTestBroker();
});

afterAll(async () => {
  await harness?.close();
});

describe("samsa metadata-quorum describe --status", () => {
  it("prints the single node's quorum: leader, epoch, high watermark, voters", async () => {
    const text = await runCli(["metadata-quorum", "describe", "--status", "--bootstrap-server", harness.bootstrap]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^LeaderId: +1\nLeaderEpoch: +[1-9]\d*\nHighWatermark: +[1-9]\d*\nMaxFollowerLag: +0\n/);
    expect(text.stdout).toContain("CurrentVoters:        [1]\n");
    expect(text.stdout).toMatch(/\n +1 +\d+ +0 .*Leader\n$/);
    const json = JSON.parse((await runCli(["metadata-quorum", "describe", "--json", "--bootstrap-server", harness.bootstrap])).stdout);
    expect(json).toMatchObject({ leaderId: 1, maxFollowerLag: 0, voters: [{ nodeId: 1, lag: 0, status: "Leader" }], observers: [] });
  });

  it("computes follower and observer lag from the leader's log end", () => {
    const now = 10_000;
    const status = quorumStatus(
      {
        leaderId: 2,
        leaderEpoch: 5,
        highWatermark: 90,
        currentVoters: [
          { replicaId: 3, logEndOffset: 80, lastFetchTimestamp: 9_900, lastCaughtUpTimestamp: 9_000 },
          { replicaId: 2, logEndOffset: 100, lastFetchTimestamp: now, lastCaughtUpTimestamp: now },
          { replicaId: 1, logEndOffset: -1, lastFetchTimestamp: -1, lastCaughtUpTimestamp: -1 },
        ],
        observers: [{ replicaId: 7, logEndOffset: 95, lastFetchTimestamp: 9_990, lastCaughtUpTimestamp: 9_990 }],
      },
      now,
    );
    expect(status.voters.map((v) => [v.nodeId, v.lag, v.status])).toEqual([
      [1, -1, "Follower"],
      [2, 0, "Leader"],
      [3, 20, "Follower"],
    ]);
    expect(status.observers.map((o) => [o.nodeId, o.lag])).toEqual([[7, 5]]);
    // A voter that never fetched counts as behind by the whole log, for as long as it exists.
    expect(status.maxFollowerLag).toBe(100);
    expect(status.maxFollowerLagTimeMs).toBe(now);
  });
});
