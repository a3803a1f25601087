// DeleteRecords across three in-process brokers with real logs: the leader's
// answer waits until every live replica moved its log start, followers follow
// the leader's log start through their fetches, and a follower left behind the
// leader's new log start restarts its log there.
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "@samsa/protocol";
import { eventually, InProcessCluster, logBytes, TOPIC } from "./helpers/in-process-cluster.js";

let cluster: InProcessCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function produceMany(c: InProcessCluster, batches: number, perBatch: number, prefix: string): Promise<void> {
  for (let b = 0; b < batches; b++) await c.produce(1, Array.from({ length: perBatch }, (_, i) => `${prefix}-${b}-${i}`));
}

describe("DeleteRecords with replication", () => {
  it("answers with the low watermark once every replica moved its log start, and the replicas stay identical", async () => {
    cluster = await InProcessCluster.start();
    await produceMany(cluster, 10, 10, "a");
    const low = await cluster.deleteRecords(1, 55);
    expect(low).toBe(55);
    // The answer came after both followers reported their log start: no waiting here.
    for (const id of [1, 2, 3]) expect(cluster.node(id).log.logStartOffset).toBe(55);
    expect(cluster.node(1).manager.stats().delayedDeleteRecords).toBe(0);

    await produceMany(cluster, 2, 10, "b");
    await eventually(() => [2, 3].every((id) => cluster!.node(id).log.logEndOffset === 120), 5000, "followers caught up");
    const bytes = await logBytes(cluster.node(1).log);
    for (const id of [2, 3]) expect((await logBytes(cluster.node(id).log)).equals(bytes)).toBe(true);
    // Deleting below the current log start changes nothing and answers at once.
    expect(await cluster.deleteRecords(1, 20)).toBe(55);
  });

  it("times out while a live replica lags behind, then the replica restarts at the leader's log start and the deletion completes", async () => {
    cluster = await InProcessCluster.start({ replicaLagTimeMaxMs: 300 });
    await produceMany(cluster, 2, 10, "a");
    await eventually(() => cluster!.node(3).log.logEndOffset === 20, 5000, "broker 3 caught up");
    cluster.cut.add("3->1");
    await produceMany(cluster, 1, 10, "b");
    await eventually(() => cluster!.controller.state.isr.join() === "1,2", 5000, "ISR without broker 3");
    await produceMany(cluster, 3, 10, "c");
    const leader = cluster.node(1);
    expect(leader.log.highWatermark).toBe(60);
    expect(cluster.node(3).log.logEndOffset).toBe(20);

    // Broker 3 is alive (unfenced) but cannot fetch: its log start holds the low watermark at 0.
    const started = Date.now();
    const timedOut = await cluster.deleteRecords(1, 45, 300).then(
      () => ErrorCode.NONE,
      (err: { errorCode: number }) => err.errorCode,
    );
    expect(timedOut).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(leader.log.logStartOffset).toBe(45); // the leader's own deletion stands
    expect(leader.manager.lowWatermark(TOPIC.topic, 0)).toBe(0);
    await eventually(() => cluster!.node(2).log.logStartOffset === 45, 5000, "broker 2 followed");

    cluster.cut.clear();
    // Broker 3's log ends at 20, below the leader's log start 45: OFFSET_OUT_OF_RANGE, restart at 45.
    expect(await cluster.deleteRecords(1, 45)).toBe(45);
    const follower = cluster.node(3);
    expect(follower.log.logStartOffset).toBe(45);
    expect(follower.manager.followerState(TOPIC.topic, 0)!.truncations).toBeGreaterThanOrEqual(1);
    await eventually(() => follower.log.logEndOffset === 60, 5000, "broker 3 caught up from the leader's log start");
    expect((await logBytes(follower.log)).equals(await logBytes(leader.log))).toBe(true);
    await eventually(() => cluster!.controller.state.isr.length === 3, 5000, "broker 3 back in the ISR");
  });
});
