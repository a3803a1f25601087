// The coordinator serves only the groups of `__consumer_offsets` partitions it
// leads: it loads them (committed data only) when it becomes leader, answers
// COORDINATOR_LOAD_IN_PROGRESS meanwhile, and drops them, ending waiting
// members with NOT_COORDINATOR, when leadership moves away.
import { silentLogger } from "@samsa/broker";
import { ErrorCode } from "@samsa/protocol";
import { describe, expect, it } from "vitest";
import { GroupCoordinator } from "../../src/groups/group-coordinator.js";
import type { JoinRequest } from "../../src/groups/group-membership.js";
import { offsetsPartitionFor } from "../../src/groups/group-placement.js";
import { NotCoordinatorError } from "../../src/groups/offsets-log.js";
import { ManualScheduler, MemoryOffsetsLog, TEST_CONFIG, settle } from "./fake-runtime.js";

const GROUP = "leadership-group";
const PARTITION = offsetsPartitionFor(GROUP, TEST_CONFIG.offsetsPartitionCount);
const OTHER_PARTITION = (PARTITION + 1) % TEST_CONFIG.offsetsPartitionCount;

/** A coordinator over an existing `__consumer_offsets` that leads nothing until told. */
function coordinatorOver(log: MemoryOffsetsLog, scheduler = new ManualScheduler()): GroupCoordinator {
  const coordinator = new GroupCoordinator({
    config: TEST_CONFIG,
    log,
    scheduler,
    logger: silentLogger(),
    partitionExists: (topic, partition) => topic === "t" && partition >= 0 && partition < 4,
  });
  coordinator.start();
  return coordinator;
}

function commit(c: GroupCoordinator, offset: number) {
  return c.commitOffsets({
    groupId: GROUP,
    generationId: -1,
    memberId: "",
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: 1, committedMetadata: null }] }],
  });
}

async function committedOffset(c: GroupCoordinator): Promise<{ errorCode: number; offset: number | undefined }> {
  const res = await c.fetchOffsets(GROUP, [{ name: "t", partitionIndexes: [0] }]);
  return { errorCode: res.errorCode, offset: res.topics[0]?.partitions[0]?.committedOffset };
}

function joinRequest(memberId: string): JoinRequest {
  return {
    groupId: GROUP,
    memberId,
    groupInstanceId: null,
    clientId: "client",
    clientHost: "/127.0.0.1",
    sessionTimeoutMs: 5_000,
    rebalanceTimeoutMs: 5_000,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: Buffer.from("m") }],
    requireKnownMemberId: true,
  };
}

describe("group coordinator and __consumer_offsets leadership", () => {
  it("answers NOT_COORDINATOR for groups of partitions it does not lead", async () => {
    const c = coordinatorOver(new MemoryOffsetsLog(TEST_CONFIG.offsetsPartitionCount));
    c.partitionLed(OTHER_PARTITION, 0);
    await settle();
    expect(c.partitionState(PARTITION)).toBe("not-led");
    expect((await commit(c, 5))[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await committedOffset(c)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await c.join(joinRequest(""))).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await c.heartbeat(GROUP, "m", null, 1)).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await c.groupError(GROUP)).toBe(ErrorCode.NOT_COORDINATOR);
  });

  it("answers COORDINATOR_LOAD_IN_PROGRESS until the new leader's log is committed, then serves what it loaded", async () => {
    const log = new MemoryOffsetsLog(TEST_CONFIG.offsetsPartitionCount);
    const first = coordinatorOver(log);
    first.partitionLed(PARTITION, 1);
    await settle();
    expect((await commit(first, 42))[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);

    const release = log.holdCommit();
    const second = coordinatorOver(log);
    second.partitionLed(PARTITION, 2);
    await settle();
    expect(second.partitionState(PARTITION)).toBe("loading");
    expect((await committedOffset(second)).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect((await commit(second, 43))[0]!.partitions[0]!.errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    release();
    await settle();
    expect(second.partitionState(PARTITION)).toBe("loaded");
    expect(await committedOffset(second)).toEqual({ errorCode: ErrorCode.NONE, offset: 42 });
  });

  it("drops the groups of a partition it stops leading, ending waiting joins with NOT_COORDINATOR, and reloads them later", async () => {
    const log = new MemoryOffsetsLog(TEST_CONFIG.offsetsPartitionCount);
    const scheduler = new ManualScheduler();
    const c = coordinatorOver(log, scheduler);
    c.partitionLed(PARTITION, 1);
    c.partitionLed(OTHER_PARTITION, 1);
    await settle();
    expect((await commit(c, 7))[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    const first = await c.join(joinRequest(""));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const waiting = c.join(joinRequest(first.memberId));
    await settle();

    c.partitionNotLed(PARTITION);
    expect((await waiting).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(c.partitionState(PARTITION)).toBe("not-led");
    expect(c.partitionState(OTHER_PARTITION)).toBe("loaded");
    expect(c.listGroups()).toEqual([]);
    expect((await committedOffset(c)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);

    c.partitionLed(PARTITION, 3);
    await settle();
    expect(await committedOffset(c)).toEqual({ errorCode: ErrorCode.NONE, offset: 7 });
    // The member that was waiting is unknown to the reloaded group (its join was never stored).
    expect(c.describeGroup(GROUP).members).toEqual([]);
  });

  it("keeps its groups when the same leader epoch is announced again (an ISR change)", async () => {
    const c = coordinatorOver(new MemoryOffsetsLog(TEST_CONFIG.offsetsPartitionCount));
    c.partitionLed(PARTITION, 4);
    await settle();
    const first = await c.join(joinRequest(""));
    const waiting = c.join(joinRequest(first.memberId));
    await settle();
    c.partitionLed(PARTITION, 4);
    await settle();
    expect(c.partitionState(PARTITION)).toBe("loaded");
    expect(c.describeGroup(GROUP).members.map((m) => m.memberId)).toEqual([first.memberId]);
    await c.close();
    expect((await waiting).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });

  it("abandons a load when leadership moves before the log is committed", async () => {
    const log = new MemoryOffsetsLog(TEST_CONFIG.offsetsPartitionCount);
    const writer = coordinatorOver(log);
    writer.partitionLed(PARTITION, 1);
    await settle();
    await commit(writer, 9);
    const release = log.holdCommit();
    const c = coordinatorOver(log);
    c.partitionLed(PARTITION, 2);
    await settle();
    c.partitionNotLed(PARTITION);
    release();
    await settle();
    expect(c.partitionState(PARTITION)).toBe("not-led");
    expect(c.listGroups()).toEqual([]);
    expect((await committedOffset(c)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });

  it("answers NOT_COORDINATOR to a commit whose write finds leadership gone", async () => {
    const log = new MemoryOffsetsLog(TEST_CONFIG.offsetsPartitionCount);
    const c = coordinatorOver(log);
    c.partitionLed(PARTITION, 1);
    await settle();
    log.append = () => Promise.reject(new NotCoordinatorError("leadership moved"));
    expect((await commit(c, 11))[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await committedOffset(c)).offset).toBe(-1);
  });
});
