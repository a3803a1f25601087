import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "@samsa/protocol";
import { eventually, InProcessCluster, logBytes, TOPIC } from "./helpers/in-process-cluster.js";

let cluster: InProcessCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function errorCodeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return ErrorCode.NONE;
  } catch (err) {
    return (err as { errorCode?: number }).errorCode ?? -999;
  }
}

describe("replication between three in-process brokers", () => {
  it("copies the leader's batches byte for byte and acknowledges acks=all once the ISR has them", async () => {
    cluster = await InProcessCluster.start();
    for (let i = 0; i < 20; i++) await cluster.produce(1, [`v${i}-a`, `v${i}-b`]);
    const leader = cluster.node(1);
    expect(leader.log.highWatermark).toBe(40);
    await eventually(() => cluster!.node(2).log.logEndOffset === 40 && cluster!.node(3).log.logEndOffset === 40, 5000, "followers caught up");
    const bytes = await logBytes(leader.log);
    expect((await logBytes(cluster.node(2).log)).equals(bytes)).toBe(true);
    expect((await logBytes(cluster.node(3).log)).equals(bytes)).toBe(true);
    // Followers learn the HW from fetch responses.
    await eventually(() => cluster!.node(2).log.highWatermark === 40, 5000, "follower high watermark");
    expect(leader.manager.stats()).toMatchObject({ leaderCount: 1, underReplicatedPartitions: 0, delayedProduces: 0 });
  });

  it("shrinks the ISR when a follower stops fetching, keeps serving acks=all at min.insync.replicas, and refuses below it", async () => {
    cluster = await InProcessCluster.start({ replicaLagTimeMaxMs: 300 });
    await cluster.produce(1, ["before"]);
    cluster.cut.add("3->1");
    // Appends keep the leader's log end ahead of broker 3, which then falls out of sync.
    await cluster.produce(1, ["one"]);
    await eventually(() => cluster!.controller.state.isr.length === 2, 5000, "ISR without broker 3");
    const leader = cluster.node(1).manager;
    await eventually(() => leader.leaderState(TOPIC.topic, 0)!.isr.join() === "1,2", 2000, "leader applied the shrink");
    expect(await errorCodeOf(cluster.produce(1, ["two"]))).toBe(ErrorCode.NONE);

    cluster.cut.add("2->1");
    const pending = errorCodeOf(cluster.produce(1, ["three"], { timeoutMs: 10_000 }));
    expect(await pending).toBe(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    expect(cluster.controller.state.isr).toEqual([1]);
    expect(await errorCodeOf(cluster.produce(1, ["four"]))).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    // acks=1 still works, but nothing becomes visible to consumers below min.insync.replicas.
    const hw = cluster.node(1).log.highWatermark;
    await cluster.produce(1, ["five"], { acks: 1 });
    expect(cluster.node(1).log.highWatermark).toBe(hw);

    cluster.cut.clear();
    await eventually(() => cluster!.controller.state.isr.length === 3, 5000, "ISR expanded again");
    await eventually(() => cluster!.node(1).log.highWatermark === cluster!.node(1).log.logEndOffset, 5000, "HW caught up");
    const stats = leader.stats();
    expect(stats.isrShrinks).toBeGreaterThanOrEqual(2);
    expect(stats.isrExpands).toBeGreaterThanOrEqual(2);
    expect(stats.underReplicatedPartitions).toBe(0);
  });

  it("does not let a fenced broker back into the ISR", async () => {
    cluster = await InProcessCluster.start({ replicaLagTimeMaxMs: 200 });
    cluster.cut.add("3->1");
    await cluster.produce(1, ["a"]);
    await eventually(() => cluster!.controller.state.isr.length === 2, 5000, "shrink");
    cluster.controller.eligible.delete(3);
    cluster.cut.clear();
    await eventually(() => cluster!.node(3).log.logEndOffset === cluster!.node(1).log.logEndOffset, 5000, "broker 3 caught up");
    await new Promise((r) => setTimeout(r, 200));
    expect(cluster.controller.state.isr).toEqual([1, 2]);
    cluster.controller.eligible.add(3);
    await cluster.produce(1, ["b"]);
    await eventually(() => cluster!.controller.state.isr.length === 3, 5000, "broker 3 back once eligible");
  });

  it("truncates exactly the divergent suffix of a deposed leader and converges on the new leader's log", async () => {
    cluster = await InProcessCluster.start();
    for (let i = 0; i < 5; i++) await cluster.produce(1, [`committed-${i}`]);
    await eventually(() => cluster!.node(2).log.logEndOffset === 5 && cluster!.node(3).log.logEndOffset === 5, 5000, "replicated");
    // Broker 1 is cut off and keeps taking acks=1 writes nobody else sees.
    cluster.cut.add("2->1");
    cluster.cut.add("3->1");
    for (let i = 0; i < 3; i++) await cluster.produce(1, [`lost-${i}-a`, `lost-${i}-b`], { acks: 1 });
    expect(cluster.node(1).log.logEndOffset).toBe(11);
    const committed = await logBytes(cluster.node(2).log);

    // The controller moves leadership to broker 2; broker 1 learns it last.
    const next = cluster.controller.elect(2, [2, 3]);
    await cluster.applyAssignment(next, [2, 3]);
    await cluster.produce(2, ["epoch-2-a"]);
    await cluster.applyAssignment(next, [1]);
    cluster.cut.clear();
    await cluster.produce(2, ["epoch-2-b"]);
    await eventually(() => cluster!.node(1).log.logEndOffset === 7, 5000, "deposed leader converged");
    const newLeader = await logBytes(cluster.node(2).log);
    expect((await logBytes(cluster.node(1).log)).equals(newLeader)).toBe(true);
    expect(newLeader.subarray(0, committed.length).equals(committed)).toBe(true);
    expect(cluster.node(1).manager.followerState(TOPIC.topic, 0)!.truncations).toBeGreaterThanOrEqual(1);
    expect(cluster.node(1).log.epochEntries().map((e) => e.epoch)).toEqual([1, 2]);
    await eventually(() => cluster!.controller.state.isr.length === 3, 5000, "broker 1 rejoined the ISR");
  });

  it("never acknowledges an acks=all write on a leader deposed while cut off", async () => {
    cluster = await InProcessCluster.start();
    await cluster.produce(1, ["a"]);
    cluster.cut.add("2->1");
    cluster.cut.add("3->1");
    const next = cluster.controller.elect(2, [2, 3]);
    await cluster.applyAssignment(next, [2, 3]);
    // Broker 1 still believes it leads; its write can never reach the HW.
    const stale = errorCodeOf(cluster.produce(1, ["never-acknowledged"], { timeoutMs: 300 }));
    cluster.cut.clear(); // followers now fetch from broker 2 and never from 1
    expect(await stale).toBe(ErrorCode.REQUEST_TIMED_OUT);
    // Its AlterPartition attempts are refused by the epoch check.
    await cluster.applyAssignment(next, [1]);
    await eventually(() => cluster!.node(1).log.logEndOffset === cluster!.node(2).log.logEndOffset, 5000, "converged");
    expect((await logBytes(cluster.node(1).log)).equals(await logBytes(cluster.node(2).log))).toBe(true);
  });

  it("answers NOT_LEADER_OR_FOLLOWER to waiting acks=all produces when leadership moves", async () => {
    cluster = await InProcessCluster.start();
    cluster.cut.add("2->1");
    cluster.cut.add("3->1");
    const waiting = errorCodeOf(cluster.produce(1, ["x"], { timeoutMs: 10_000 }));
    await new Promise((r) => setTimeout(r, 30));
    const next = cluster.controller.elect(2, [2, 3]);
    await cluster.applyAssignment(next);
    expect(await waiting).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it("restarts a follower's log at the leader's log start when it fell behind it (OFFSET_OUT_OF_RANGE)", async () => {
    cluster = await InProcessCluster.start({ replicaLagTimeMaxMs: 200 });
    await cluster.produce(1, ["a"]);
    cluster.cut.add("3->1");
    for (let i = 0; i < 10; i++) await cluster.produce(1, [`b${i}`], { acks: 1 });
    await eventually(() => cluster!.controller.state.isr.length === 2, 5000, "broker 3 out of the ISR");
    await eventually(() => cluster!.node(1).log.highWatermark === 11, 5000, "HW over brokers 1 and 2");
    await cluster.node(1).log.deleteRecordsBefore(8);
    cluster.cut.clear();
    const follower = cluster.node(3).log;
    await eventually(() => follower.logStartOffset === 8 && follower.logEndOffset === 11, 5000, "broker 3 restarted at the leader's log start");
    expect((await logBytes(follower)).equals(await logBytes(cluster.node(1).log))).toBe(true);
    expect(cluster.node(3).manager.followerState(TOPIC.topic, 0)!.truncations).toBe(1);
  });
});
