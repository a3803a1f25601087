import { ErrorCode } from "@samsa/protocol";
import { describe, expect, it } from "vitest";
import type { JoinOutcome } from "../../src/groups/classic-group.js";
import type { GroupCoordinator } from "../../src/groups/group-coordinator.js";
import type { JoinRequest } from "../../src/groups/group-membership.js";
import { MemoryOffsetsLog, newCoordinator, settle, type ManualScheduler } from "./fake-runtime.js";

const SESSION_MS = 1_000;
const REBALANCE_MS = 5_000;

function joinRequest(groupId: string, memberId: string, overrides: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId,
    memberId,
    groupInstanceId: null,
    clientId: "client",
    clientHost: "/127.0.0.1",
    sessionTimeoutMs: SESSION_MS,
    rebalanceTimeoutMs: REBALANCE_MS,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: Buffer.from(`meta-${memberId}`) }],
    requireKnownMemberId: true,
    ...overrides,
  };
}

/** JoinGroup v4+ style: ask for a member id, then join with it. */
async function joinNew(c: GroupCoordinator, groupId: string, overrides: Partial<JoinRequest> = {}): Promise<{ memberId: string; outcome: Promise<JoinOutcome> }> {
  const first = await c.join(joinRequest(groupId, "", overrides));
  expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  return { memberId: first.memberId, outcome: c.join(joinRequest(groupId, first.memberId, overrides)) };
}

/** Two members through join and sync: a stable generation 1. */
async function stableGroupOfTwo(c: GroupCoordinator, scheduler: ManualScheduler, groupId: string) {
  const a = await joinNew(c, groupId);
  const b = await joinNew(c, groupId);
  await settle();
  // The second member arrived during the initial delay, which therefore runs twice.
  scheduler.advance(200);
  const [ja, jb] = await Promise.all([a.outcome, b.outcome]);
  const leader = ja.leaderId === a.memberId ? ja : jb;
  const follower = leader === ja ? jb : ja;
  const syncF = c.sync({ groupId, generationId: follower.generationId, memberId: follower.memberId, groupInstanceId: null, protocolType: "consumer", protocolName: "range", assignments: [] });
  const syncL = c.sync({
    groupId,
    generationId: leader.generationId,
    memberId: leader.memberId,
    groupInstanceId: null,
    protocolType: "consumer",
    protocolName: "range",
    assignments: [
      { memberId: leader.memberId, assignment: Buffer.from("L") },
      { memberId: follower.memberId, assignment: Buffer.from("F") },
    ],
  });
  const [sf, sl] = await Promise.all([syncF, syncL]);
  return { leader, follower, sf, sl };
}

describe("group coordinator (fake clock, in-memory log)", () => {
  it("collects members during the initial delay, elects a leader and distributes its assignment", async () => {
    const { coordinator: c, scheduler, log } = newCoordinator();
    const { leader, follower, sf, sl } = await stableGroupOfTwo(c, scheduler, "g");
    expect(leader.generationId).toBe(1);
    expect(leader.protocolName).toBe("range");
    expect(leader.members.map((m) => m.memberId).sort()).toEqual([leader.memberId, follower.memberId].sort());
    expect(follower.members).toEqual([]);
    expect(sl).toMatchObject({ errorCode: ErrorCode.NONE, assignment: Buffer.from("L") });
    expect(sf).toMatchObject({ errorCode: ErrorCode.NONE, assignment: Buffer.from("F") });
    expect(c.describeGroup("g").state).toBe("Stable");
    expect(log.recordCount).toBe(1);
  });

  it("does not answer the first join before the initial delay has passed", async () => {
    const { coordinator: c, scheduler } = newCoordinator();
    const a = await joinNew(c, "g");
    let done = false;
    void a.outcome.then(() => (done = true));
    await settle();
    scheduler.advance(99);
    await settle();
    expect(done).toBe(false);
    scheduler.advance(1);
    await settle();
    expect(done).toBe(true);
  });

  it("fences stale generations, unknown members and heartbeats during a rebalance", async () => {
    const { coordinator: c, scheduler } = newCoordinator();
    const { leader, follower } = await stableGroupOfTwo(c, scheduler, "g");
    expect(await c.heartbeat("g", follower.memberId, null, 1)).toBe(ErrorCode.NONE);
    expect(await c.heartbeat("g", follower.memberId, null, 0)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await c.heartbeat("g", "nobody", null, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await c.heartbeat("unknown-group", "nobody", null, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // A third member triggers a rebalance; the others learn it from their heartbeat.
    const third = await joinNew(c, "g");
    expect(await c.heartbeat("g", follower.memberId, null, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoins = [leader, follower].map((m) => c.join(joinRequest("g", m.memberId)));
    const outcomes = await Promise.all([...rejoins, third.outcome]);
    expect(outcomes.map((o) => o.generationId)).toEqual([2, 2, 2]);
    expect(await c.heartbeat("g", follower.memberId, null, 1)).toBe(ErrorCode.ILLEGAL_GENERATION);
    const stale = await c.sync({ groupId: "g", generationId: 1, memberId: follower.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    expect(stale.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
  });

  it("removes a member whose session times out and rebalances the rest", async () => {
    const { coordinator: c, scheduler } = newCoordinator();
    const { leader, follower } = await stableGroupOfTwo(c, scheduler, "g");
    // Only the leader heartbeats: the follower's session (last touched by its sync) runs out.
    scheduler.advance(600);
    expect(await c.heartbeat("g", leader.memberId, null, 1)).toBe(ErrorCode.NONE);
    scheduler.advance(600);
    expect(await c.heartbeat("g", leader.memberId, null, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(c.describeGroup("g").members.map((m) => m.memberId)).toEqual([leader.memberId]);
    expect(c.describeGroup("g").state).toBe("PreparingRebalance");
    expect(await c.heartbeat("g", follower.memberId, null, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const rejoin = await c.join(joinRequest("g", leader.memberId));
    expect(rejoin).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2, leaderId: leader.memberId });
  });

  it("a leaving member's waiters end and the group becomes empty", async () => {
    const { coordinator: c, scheduler, log } = newCoordinator();
    const { leader, follower } = await stableGroupOfTwo(c, scheduler, "g");
    const left = await c.leave("g", [
      { memberId: follower.memberId, groupInstanceId: null },
      { memberId: "nobody", groupInstanceId: null },
    ]);
    expect(left).toEqual({ errorCode: ErrorCode.NONE, memberErrors: [ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID] });
    await c.leave("g", [{ memberId: leader.memberId, groupInstanceId: null }]);
    await settle();
    expect(c.describeGroup("g").state).toBe("Empty");
    // The empty generation is stored so a restarted coordinator does not resurrect members.
    expect(log.recordCount).toBe(2);
    const restarted = newCoordinator(log).coordinator;
    await settle();
    expect(restarted.describeGroup("g")).toMatchObject({ state: "Empty", members: [] });
  });

  it("fences the old member id of a static member that rejoined", async () => {
    const { coordinator: c, scheduler } = newCoordinator();
    const first = c.join(joinRequest("g", "", { groupInstanceId: "instance-1" }));
    await settle();
    scheduler.advance(100);
    const j1 = await first;
    expect(j1.errorCode).toBe(ErrorCode.NONE);
    // The only other member is the one being replaced, so the join completes at once.
    const j2 = await c.join(joinRequest("g", "", { groupInstanceId: "instance-1" }));
    expect(j2.errorCode).toBe(ErrorCode.NONE);
    expect(j2.memberId).not.toBe(j1.memberId);
    expect(await c.heartbeat("g", j1.memberId, "instance-1", j2.generationId)).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(await c.heartbeat("g", j2.memberId, "instance-1", j2.generationId)).toBe(ErrorCode.NONE);
  });

  it("lets a static member restart in a stable group without a rebalance, keeping its assignment (KIP-345)", async () => {
    const log = new MemoryOffsetsLog();
    const { coordinator: c, scheduler } = newCoordinator(log);
    const staticJoin = c.join(joinRequest("g", "", { groupInstanceId: "instance-a" }));
    await settle();
    const dynamic = await joinNew(c, "g");
    await settle();
    scheduler.advance(200);
    const [ja, jb] = await Promise.all([staticJoin, dynamic.outcome]);
    const leader = ja.leaderId === ja.memberId ? ja : jb;
    const syncs = [ja, jb].map((j) =>
      c.sync({
        groupId: "g",
        generationId: j.generationId,
        memberId: j.memberId,
        groupInstanceId: j === ja ? "instance-a" : null,
        protocolType: "consumer",
        protocolName: "range",
        assignments: j === leader ? [{ memberId: ja.memberId, assignment: Buffer.from("A") }, { memberId: jb.memberId, assignment: Buffer.from("B") }] : [],
      }),
    );
    await Promise.all(syncs);
    expect(c.describeGroup("g").state).toBe("Stable");

    const restarted = await c.join(joinRequest("g", "", { groupInstanceId: "instance-a" }));
    expect(restarted.errorCode).toBe(ErrorCode.NONE);
    expect(restarted.generationId).toBe(ja.generationId);
    expect(restarted.memberId).not.toBe(ja.memberId);
    expect(c.describeGroup("g").state).toBe("Stable");
    const sync = await c.sync({ groupId: "g", generationId: restarted.generationId, memberId: restarted.memberId, groupInstanceId: "instance-a", protocolType: "consumer", protocolName: "range", assignments: [] });
    expect(sync.assignment.toString()).toBe("A");
    // The other member sees no rebalance; the old member id is fenced.
    expect(await c.heartbeat("g", jb.memberId, null, jb.generationId)).toBe(ErrorCode.NONE);
    expect(await c.heartbeat("g", ja.memberId, "instance-a", ja.generationId)).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(await c.heartbeat("g", restarted.memberId, "instance-a", restarted.generationId)).toBe(ErrorCode.NONE);

    // The new member id was stored before the answer: a coordinator rebuilt from the log knows it.
    const rebuilt = newCoordinator(log).coordinator;
    await settle();
    expect(rebuilt.describeGroup("g").members.map((m) => m.memberId).sort()).toEqual([jb.memberId, restarted.memberId].sort());
  });

  it("rejects joins with a bad session timeout or a protocol the group does not share", async () => {
    const { coordinator: c, scheduler } = newCoordinator();
    expect((await c.join(joinRequest("g", "", { sessionTimeoutMs: 10 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    await stableGroupOfTwo(c, scheduler, "g");
    const other = await c.join(joinRequest("g", "", { protocols: [{ name: "roundrobin", metadata: Buffer.alloc(0) }] }));
    expect(other.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await c.join(joinRequest("g", "", { protocolType: "connect" }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await c.join(joinRequest("", ""))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });
});

describe("committed offsets (fake clock, in-memory log)", () => {
  const commit = (c: GroupCoordinator, generationId: number, memberId: string, offset: number, metadata: string | null = "") =>
    c.commitOffsets({
      groupId: "g",
      generationId,
      memberId,
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: 3, committedMetadata: metadata }] }],
    });
  const fetched = async (c: GroupCoordinator) => (await c.fetchOffsets("g", [{ name: "t", partitionIndexes: [0] }])).topics[0]!.partitions[0]!;

  it("refuses commits from unknown members, stale generations and oversized metadata without writing anything", async () => {
    const { coordinator: c, scheduler, log } = newCoordinator();
    const { follower } = await stableGroupOfTwo(c, scheduler, "g");
    const recordsBefore = log.recordCount;
    const codes = async (p: ReturnType<typeof commit>) => (await p)[0]!.partitions[0]!.errorCode;
    expect(await codes(commit(c, 1, "nobody", 10))).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await codes(commit(c, 0, follower.memberId, 10))).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await codes(commit(c, -1, "", 10))).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await codes(commit(c, 1, follower.memberId, 10, "x".repeat(65)))).toBe(ErrorCode.OFFSET_METADATA_TOO_LARGE);
    expect(log.recordCount).toBe(recordsBefore);
    expect((await fetched(c)).committedOffset).toBe(-1);
    expect(await codes(commit(c, 1, follower.memberId, 10, "ok"))).toBe(ErrorCode.NONE);
    expect(await fetched(c)).toMatchObject({ committedOffset: 10, committedLeaderEpoch: 3, metadata: "ok" });
    expect(log.recordCount).toBe(recordsBefore + 1);
  });

  it("acknowledges and shows a commit only once it is written", async () => {
    const { coordinator: c, log } = newCoordinator();
    log.failAppends = true;
    const failed = await commit(c, -1, "", 7);
    expect(failed[0]!.partitions[0]!.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect((await fetched(c)).committedOffset).toBe(-1);
    log.failAppends = false;
    expect((await commit(c, -1, "", 7))[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    expect((await fetched(c)).committedOffset).toBe(7);
  });

  it("refuses commits for partitions that do not exist", async () => {
    const { coordinator: c } = newCoordinator();
    const res = await c.commitOffsets({
      groupId: "g",
      generationId: -1,
      memberId: "",
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [{ name: "missing", partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(res[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it("reloads groups and offsets from the log", async () => {
    const { coordinator: c, scheduler, log } = newCoordinator();
    const { follower } = await stableGroupOfTwo(c, scheduler, "g");
    await commit(c, 1, follower.memberId, 42, "meta");
    await c.close();
    const reloaded = newCoordinator(log, scheduler).coordinator;
    await settle();
    expect(await fetched(reloaded)).toMatchObject({ committedOffset: 42, metadata: "meta" });
    const d = reloaded.describeGroup("g");
    expect(d.state).toBe("Stable");
    expect(d.members).toHaveLength(2);
    // Restored members must heartbeat; without it they expire and the group empties.
    scheduler.advance(SESSION_MS + 1);
    scheduler.advance(REBALANCE_MS + 1);
    expect(reloaded.describeGroup("g").state).toBe("Empty");
  });

  it("expires the offsets of a group that stayed empty past the retention, then the group", async () => {
    const { coordinator: c, scheduler, log } = newCoordinator();
    await commit(c, -1, "", 5);
    scheduler.advance(30_000);
    expect(await c.expireOffsets()).toBe(0);
    scheduler.advance(31_000);
    expect(await c.expireOffsets()).toBe(1);
    expect((await fetched(c)).committedOffset).toBe(-1);
    expect(c.listGroups()).toEqual([]);
    const tombstones = [...log.partitions.values()].flat().filter((r) => r.record.value === null);
    expect(tombstones).toHaveLength(2);
  });

  it("deletes only empty groups, with tombstones", async () => {
    const { coordinator: c, scheduler } = newCoordinator();
    await stableGroupOfTwo(c, scheduler, "g");
    expect(await c.deleteGroup("g")).toBe(ErrorCode.NON_EMPTY_GROUP);
    expect(await c.deleteGroup("nope")).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    const other = newCoordinator();
    await commit(other.coordinator, -1, "", 5);
    expect(await other.coordinator.deleteGroup("g")).toBe(ErrorCode.NONE);
    expect(other.coordinator.listGroups()).toEqual([]);
    const reloaded = newCoordinator(other.log).coordinator;
    await settle();
    expect(reloaded.listGroups()).toEqual([]);
  });

  it("answers NOT_COORDINATOR after close and ends waiting joins", async () => {
    const { coordinator: c } = newCoordinator();
    const a = await joinNew(c, "g");
    await c.close();
    expect((await a.outcome).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await c.heartbeat("g", a.memberId, null, 0)).toBe(ErrorCode.NOT_COORDINATOR);
  });
});
