// DeleteRecords on the leader waits for the replicas (Kafka's DelayedDeleteRecords):
// the purgatory itself, the low watermark rule, and the ReplicaManager wiring
// (woken by follower fetches and replica-set changes, failed on leadership loss).
import { ErrorCode } from "@samsa/protocol";
import { DelayedDeleteRecordsPurgatory, LeaderPartitionState, NotLeaderOrFollowerError, type PartitionAssignment } from "@samsa/replication";
import { describe, expect, it } from "vitest";
import { FakeLog } from "./helpers/fake-log.js";
import { flush, ManualScheduler, outcome } from "./helpers/manual-scheduler.js";
import { testReplicaManager } from "./helpers/test-replica-manager.js";

const timedOut = { errorCode: ErrorCode.REQUEST_TIMED_OUT };
const notLeader = { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };

describe("DelayedDeleteRecordsPurgatory", () => {
  it("resolves with the low watermark once it reaches the requested offset", async () => {
    const purgatory = new DelayedDeleteRecordsPurgatory({ scheduler: new ManualScheduler() });
    const a = outcome(purgatory.wait("t-0", 50, 30_000));
    const b = outcome(purgatory.wait("t-0", 80, 30_000));
    const c = outcome(purgatory.wait("t-1", 10, 30_000));
    purgatory.lowWatermarkAdvanced("t-0", 49);
    await flush();
    expect([a.value, b.value, c.value]).toEqual(["pending", "pending", "pending"]);
    purgatory.lowWatermarkAdvanced("t-0", 60);
    await flush();
    expect([a.value, b.value, c.value]).toEqual([60, "pending", "pending"]);
    expect(purgatory.size).toBe(2);
    expect(purgatory.hasWaiters("t-0")).toBe(true);
  });

  it("answers REQUEST_TIMED_OUT at the request timeout and cancels timers of completed waits", async () => {
    const scheduler = new ManualScheduler();
    const purgatory = new DelayedDeleteRecordsPurgatory({ scheduler });
    const a = outcome(purgatory.wait("t-0", 5, 1000));
    const b = outcome(purgatory.wait("t-0", 9, 1000));
    purgatory.lowWatermarkAdvanced("t-0", 5);
    expect(scheduler.pending).toBe(1);
    scheduler.advance(999);
    await flush();
    expect(b.value).toBe("pending");
    scheduler.advance(1);
    await flush();
    expect([a.value, b.value]).toEqual([5, timedOut]);
    expect(purgatory.size).toBe(0);
  });

  it("fails one partition's waits, and refuses waits beyond maxDelayedDeleteRecords", async () => {
    const purgatory = new DelayedDeleteRecordsPurgatory({ scheduler: new ManualScheduler(), maxDelayedDeleteRecords: 2 });
    const a = outcome(purgatory.wait("t-0", 5, 1000));
    const b = outcome(purgatory.wait("t-1", 5, 1000));
    const c = outcome(purgatory.wait("t-1", 6, 1000));
    purgatory.failAll("t-0", () => new NotLeaderOrFollowerError("moved"));
    await flush();
    expect([a.value, b.value, c.value]).toEqual([notLeader, "pending", timedOut]);
  });
});

describe("LeaderPartitionState low watermark", () => {
  function leaderState(logStart: number) {
    const log = new FakeLog();
    log.logEndOffset = 100;
    log.logStartOffset = logStart;
    const assignment: PartitionAssignment = { replicas: [1, 2, 3], isr: [1, 2], leader: 1, leaderEpoch: 3, partitionEpoch: 4 };
    return new LeaderPartitionState(log, { localBrokerId: 1, assignment, leaderEpochStartOffset: 0, nowMs: 0, replicaLagTimeMaxMs: 30_000, minInsyncReplicas: 2 });
  }

  it("is the smallest log start over the leader and every live follower, ISR member or not", () => {
    const state = leaderState(50);
    const alive = () => true;
    expect(state.lowWatermark(alive)).toBe(-1); // followers not heard from yet
    state.recordFollowerFetch(2, 100, 100, 0, 50);
    expect(state.lowWatermark(alive)).toBe(-1);
    state.recordFollowerFetch(3, 60, 100, 0, 30); // out of the ISR, but a replica
    expect(state.lowWatermark(alive)).toBe(30);
    state.recordFollowerFetch(3, 60, 100, 0, 70);
    expect(state.lowWatermark(alive)).toBe(50); // the leader's own log start
    expect(state.followerLogStartOffset(3)).toBe(70);
  });

  it("ignores followers on dead (fenced) brokers", () => {
    const state = leaderState(50);
    state.recordFollowerFetch(2, 100, 100, 0, 50);
    expect(state.lowWatermark((id) => id !== 3)).toBe(50);
  });
});

describe("ReplicaManager.waitForLowWatermark", () => {
  const TP = { topic: "t", partition: 0, topicId: "AAAAAAAAAAAAAAAAAAAAAA" };
  const assignment: PartitionAssignment = { replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch: 3, partitionEpoch: 4 };

  async function leaderManager(options: { dead?: number[] } = {}) {
    const scheduler = new ManualScheduler();
    const log = new FakeLog();
    log.logEndOffset = 100;
    log.highWatermark = 100;
    const manager = testReplicaManager({ isBrokerAlive: (id) => !(options.dead ?? []).includes(id), scheduler });
    await manager.becomeLeader(TP, log, assignment);
    // Both followers caught up with an untouched log.
    for (const id of [2, 3]) manager.recordFollowerFetch("t", 0, id, 100, 100, 0);
    await log.deleteRecordsBefore(40);
    return { manager, log, scheduler };
  }

  it("answers once every live follower reported a log start at or past the offset, woken by their fetches", async () => {
    const { manager } = await leaderManager();
    expect(manager.lowWatermark("t", 0)).toBe(0);
    const wait = outcome(manager.waitForLowWatermark("t", 0, 40, 30_000));
    manager.recordFollowerFetch("t", 0, 2, 100, 100, 40);
    await flush();
    expect(wait.value).toBe("pending");
    expect(manager.stats().delayedDeleteRecords).toBe(1);
    manager.recordFollowerFetch("t", 0, 3, 100, 100, 45);
    await flush();
    expect(wait.value).toBe(40);
    expect(manager.stats().delayedDeleteRecords).toBe(0);
    await expect(manager.waitForLowWatermark("t", 0, 30, 30_000)).resolves.toBe(40); // already there: no wait
  });

  it("does not wait for a replica on a dead broker, and completes when a replica leaves the assignment", async () => {
    const dead = await leaderManager({ dead: [3] });
    dead.manager.recordFollowerFetch("t", 0, 2, 100, 100, 40);
    await expect(dead.manager.waitForLowWatermark("t", 0, 40, 30_000)).resolves.toBe(40);

    const { manager, log } = await leaderManager();
    manager.recordFollowerFetch("t", 0, 2, 100, 100, 40);
    const wait = outcome(manager.waitForLowWatermark("t", 0, 40, 30_000));
    await manager.becomeLeader(TP, log, { ...assignment, replicas: [1, 2], isr: [1, 2], partitionEpoch: 5 });
    await flush();
    expect(wait.value).toBe(40);
  });

  it("answers REQUEST_TIMED_OUT after the timeout, and NOT_LEADER_OR_FOLLOWER when leadership moves", async () => {
    const { manager, log, scheduler } = await leaderManager();
    const first = outcome(manager.waitForLowWatermark("t", 0, 40, 1000));
    scheduler.advance(1000);
    await flush();
    expect(first.value).toEqual(timedOut);
    const second = outcome(manager.waitForLowWatermark("t", 0, 40, 30_000));
    await manager.becomeFollower(TP, log, { ...assignment, leader: 2, leaderEpoch: 4, partitionEpoch: 5 });
    await flush();
    expect(second.value).toEqual(notLeader);
    await expect(manager.waitForLowWatermark("t", 0, 40, 30_000)).rejects.toMatchObject(notLeader);
    expect(() => manager.lowWatermark("t", 0)).toThrow(NotLeaderOrFollowerError);
    await manager.close();
  });
});
