// The leader's side of one partition of a follower's Fetch (readForFollower):
// progress is recorded before the read, and a pooled read's release is handed
// to the caller.
import { ErrorCode, type FetchRequestFetchPartition } from "@samsa/protocol";
import { readForFollower, type ReplicaManager, type PartitionAssignment, type ReadableReplicaLog } from "@samsa/replication";
import { describe, expect, it } from "vitest";
import { FakeLog } from "./helpers/fake-log.js";
import { flush, outcome } from "./helpers/manual-scheduler.js";
import { testReplicaManager } from "./helpers/test-replica-manager.js";

const TP = { topic: "t", partition: 0, topicId: "AAAAAAAAAAAAAAAAAAAAAA" };

/** A leader log whose reads wait until the test finishes them. */
class ControlledReadLog extends FakeLog implements ReadableReplicaLog {
  readonly reads: Array<{ fetchOffset: number; finish: (records: Buffer) => void }> = [];
  released = 0;

  read(fetchOffset: number): Promise<{ records: Buffer; release?: () => void }> {
    return new Promise((resolve) => {
      this.reads.push({ fetchOffset, finish: (records) => resolve({ records, release: () => (this.released += 1) }) });
    });
  }
}

function fetchFrom(fetchOffset: number): FetchRequestFetchPartition {
  return { partition: 0, currentLeaderEpoch: 0, fetchOffset, lastFetchedEpoch: -1, logStartOffset: 0, partitionMaxBytes: 1 << 20 };
}

async function leaderOf(log: ControlledReadLog): Promise<ReplicaManager> {
  const manager = testReplicaManager();
  const assignment: PartitionAssignment = { replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch: 0, partitionEpoch: 0 };
  await manager.becomeLeader(TP, log, assignment);
  return manager;
}

describe("readForFollower", () => {
  it("advances the high watermark (answering acks=all) before its read of newer records finishes", async () => {
    const log = new ControlledReadLog();
    log.logEndOffset = 120;
    const manager = await leaderOf(log);
    manager.recordFollowerFetch("t", 0, 3, 100, 120, 0);
    const acked = outcome(manager.waitForReplication("t", 0, 99, 30_000));
    const releases: Array<() => void> = [];
    const served = readForFollower(manager, log, "t", 2, fetchFrom(100), 1 << 20, releases);
    await flush();
    expect(log.reads.map((r) => r.fetchOffset)).toEqual([100]);
    expect(log.highWatermark).toBe(100);
    expect(acked.value).toBeUndefined(); // resolved while the read is still pending

    const records = Buffer.from("records 100-119");
    log.reads[0]!.finish(records);
    const pd = await served;
    expect(pd.errorCode).toBe(ErrorCode.NONE);
    expect(pd.highWatermark).toBe(100);
    expect(pd.records).toEqual([records]);
    expect(releases).toHaveLength(1);
    expect(log.released).toBe(0); // the caller releases once the response is written
    releases[0]!();
    expect(log.released).toBe(1);
  });

  it("does not read at the log end", async () => {
    const log = new ControlledReadLog();
    log.logEndOffset = 120;
    const manager = await leaderOf(log);
    const releases: Array<() => void> = [];
    const pd = await readForFollower(manager, log, "t", 2, fetchFrom(120), 1 << 20, releases);
    expect(log.reads).toHaveLength(0);
    expect(pd.records).toEqual([]);
    expect(releases).toHaveLength(0);
  });
});
