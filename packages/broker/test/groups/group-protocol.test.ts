// The group APIs on the wire, and bad input: commits and heartbeats from
// unknown members or stale generations, and oversized commit metadata, get
// Kafka's error codes and leave the committed offsets and the log unchanged.
import { ApiKey, ErrorCode } from "@samsa/protocol";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offsetsPartitionFor } from "../../src/groups/group-placement.js";
import { stopTestBroker, type RunningBroker } from "../helpers/broker-fixture.js";
import { TestClient } from "../helpers/test-client.js";
import { startGroupBroker, uniqueName } from "./group-fixture.js";

const OFFSETS_PARTITIONS = 5;
const METADATA_MAX_BYTES = 4096;

describe.sequential("group APIs on the wire", () => {
  let running: RunningBroker;
  let client: TestClient;
  const topic = uniqueName("groups-wire");
  const groupId = uniqueName("group-wire");
  let memberId = "";
  let generationId = -1;

  const commit = (overrides: { memberId?: string; generationId?: number; metadata?: string; offset?: number }) =>
    client.send(ApiKey.OffsetCommit, 8, {
      groupId,
      generationIdOrMemberEpoch: overrides.generationId ?? generationId,
      memberId: overrides.memberId ?? memberId,
      groupInstanceId: null,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: overrides.offset ?? 5, committedLeaderEpoch: -1, committedMetadata: overrides.metadata ?? "" }] }],
    });
  const commitError = async (overrides: Parameters<typeof commit>[0]) => (await commit(overrides)).topics[0]!.partitions[0]!.errorCode;

  const committedOffset = async () => {
    const res = await client.send(ApiKey.OffsetFetch, 8, { groups: [{ groupId, topics: [{ name: topic, partitionIndexes: [0] }] }], requireStable: false });
    return res.groups![0]!.topics[0]!.partitions[0]!.committedOffset;
  };
  /** End of the group's __consumer_offsets partition: any write moves it. */
  const offsetsLogEnd = async () => {
    const res = await client.send(ApiKey.ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: "__consumer_offsets", partitions: [{ partitionIndex: offsetsPartitionFor(groupId, OFFSETS_PARTITIONS), currentLeaderEpoch: -1, timestamp: -1 }] }],
    });
    return res.topics[0]!.partitions[0]!.offset ?? -1;
  };

  beforeAll(async () => {
    running = await startGroupBroker();
    const kafka = new Kafka({ clientId: "groups-wire-admin", brokers: [`127.0.0.1:${running.broker.port}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    await admin.disconnect();
    client = await TestClient.connect(running.broker.port);
  });

  afterAll(async () => {
    client?.close();
    await stopTestBroker(running);
  });

  it("finds this broker as the coordinator, several keys at once in v4", async () => {
    const v4 = await client.send(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: [groupId, "other-group", ""] });
    expect(v4.coordinators!.map((c) => [c.key, c.errorCode, c.nodeId, c.port])).toEqual([
      [groupId, ErrorCode.NONE, running.broker.nodeId, running.broker.port],
      ["other-group", ErrorCode.NONE, running.broker.nodeId, running.broker.port],
      ["", ErrorCode.INVALID_REQUEST, -1, -1],
    ]);
    const v1 = await client.send(ApiKey.FindCoordinator, 1, { key: groupId, keyType: 0 });
    expect(v1).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: running.broker.nodeId, host: "127.0.0.1", port: running.broker.port });
  });

  it("joins (member id required from v4), syncs and heartbeats", async () => {
    const join = (id: string) =>
      client.send(ApiKey.JoinGroup, 7, {
        groupId,
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 10_000,
        memberId: id,
        groupInstanceId: null,
        protocolType: "consumer",
        protocols: [{ name: "range", metadata: Buffer.from("opaque bytes the broker never reads") }],
      });
    const first = await join("");
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^broker-test-/);
    const joined = await join(first.memberId);
    expect(joined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, protocolName: "range", leader: first.memberId, memberId: first.memberId });
    expect(joined.members.map((m) => m.metadata.toString())).toEqual(["opaque bytes the broker never reads"]);
    memberId = joined.memberId;
    generationId = joined.generationId;
    const sync = await client.send(ApiKey.SyncGroup, 5, {
      groupId,
      generationId,
      memberId,
      groupInstanceId: null,
      protocolType: "consumer",
      protocolName: "range",
      assignments: [{ memberId, assignment: Buffer.from("my partitions") }],
    });
    expect(sync).toMatchObject({ errorCode: ErrorCode.NONE, protocolName: "range", assignment: Buffer.from("my partitions") });
    expect((await client.send(ApiKey.Heartbeat, 4, { groupId, generationId, memberId, groupInstanceId: null })).errorCode).toBe(ErrorCode.NONE);

    const described = await client.send(ApiKey.DescribeGroups, 5, { groups: [groupId], includeAuthorizedOperations: false });
    expect(described.groups[0]).toMatchObject({ errorCode: ErrorCode.NONE, groupState: "Stable", protocolType: "consumer", protocolData: "range" });
    expect(described.groups[0]!.members[0]).toMatchObject({ memberId, clientId: "broker-test", clientHost: "/127.0.0.1" });
    const listed = await client.send(ApiKey.ListGroups, 4, { statesFilter: ["Stable"] });
    expect(listed.groups.find((g) => g.groupId === groupId)).toMatchObject({ protocolType: "consumer", groupState: "Stable" });
    const empty = await client.send(ApiKey.ListGroups, 4, { statesFilter: ["Empty"] });
    expect(empty.groups.find((g) => g.groupId === groupId)).toBeUndefined();
  });

  it("refuses commits from unknown members, stale generations and oversized metadata, changing nothing", async () => {
    const logEnd = await offsetsLogEnd();
    expect(await commitError({ memberId: "not-a-member" })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await commitError({ generationId: generationId - 1 })).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await commitError({ generationId: generationId + 1 })).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await commitError({ metadata: "m".repeat(METADATA_MAX_BYTES + 1) })).toBe(ErrorCode.OFFSET_METADATA_TOO_LARGE);
    expect(await commitError({ memberId: "", generationId: -1 })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await committedOffset()).toBe(-1);
    expect(await offsetsLogEnd()).toBe(logEnd);

    const unknownTopic = await client.send(ApiKey.OffsetCommit, 8, {
      groupId,
      generationIdOrMemberEpoch: generationId,
      memberId,
      groupInstanceId: null,
      topics: [{ name: "no-such-topic", partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(unknownTopic.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(await offsetsLogEnd()).toBe(logEnd);

    expect((await client.send(ApiKey.Heartbeat, 4, { groupId, generationId: generationId + 1, memberId, groupInstanceId: null })).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await client.send(ApiKey.Heartbeat, 4, { groupId, generationId, memberId: "not-a-member", groupInstanceId: null })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const staleSync = await client.send(ApiKey.SyncGroup, 5, { groupId, generationId: 0, memberId, groupInstanceId: null, protocolType: "consumer", protocolName: "range", assignments: [] });
    expect(staleSync.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    // The member is still there and its generation still valid.
    expect((await client.send(ApiKey.Heartbeat, 4, { groupId, generationId, memberId, groupInstanceId: null })).errorCode).toBe(ErrorCode.NONE);
  });

  it("stores a valid commit durably before answering, and serves it in every OffsetFetch shape", async () => {
    const logEnd = await offsetsLogEnd();
    expect(await commitError({ offset: 17, metadata: "checkpoint" })).toBe(ErrorCode.NONE);
    expect(await offsetsLogEnd()).toBe(logEnd + 1);
    expect(await committedOffset()).toBe(17);
    const v1 = await client.send(ApiKey.OffsetFetch, 1, { groupId, topics: [{ name: topic, partitionIndexes: [0, 1] }] });
    expect(v1.topics![0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata, p.errorCode])).toEqual([
      [0, 17, "checkpoint", ErrorCode.NONE],
      [1, -1, "", ErrorCode.NONE],
    ]);
    const all = await client.send(ApiKey.OffsetFetch, 7, { groupId, topics: null, requireStable: true });
    expect(all.errorCode).toBe(ErrorCode.NONE);
    expect(all.topics).toEqual([{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 17, committedLeaderEpoch: -1, metadata: "checkpoint", errorCode: ErrorCode.NONE }] }]);

    const metrics = await running.broker.metrics.registry.metrics();
    const labels = `consumergroup="${groupId}",topic="${topic}",partition="0"`;
    expect(metrics).toContain(`kafka_consumergroup_current_offset{${labels}} 17`);
    // Nothing was produced, so the committed offset is past the log end: no lag.
    expect(metrics).toContain(`kafka_consumergroup_lag{${labels}} 0`);
    expect(metrics).toContain(`kafka_consumergroup_members{consumergroup="${groupId}"} 1`);
    expect(metrics).toMatch(/kafka_coordinator_group_groupmetadatamanager_numgroups\{state="Stable"\} [1-9]/);
  });

  it("deletes a group only once it is empty", async () => {
    const refused = await client.send(ApiKey.DeleteGroups, 2, { groupsNames: [groupId, "never-existed"] });
    expect(refused.results.map((r) => r.errorCode)).toEqual([ErrorCode.NON_EMPTY_GROUP, ErrorCode.GROUP_ID_NOT_FOUND]);
    const subscribed = await client.send(ApiKey.OffsetDelete, 0, { groupId, topics: [{ name: topic, partitions: [{ partitionIndex: 0 }] }] });
    // The member's metadata is not a consumer subscription the broker can read, so every topic counts as subscribed.
    expect(subscribed.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
    const left = await client.send(ApiKey.LeaveGroup, 5, { groupId, members: [{ memberId, groupInstanceId: null, reason: "test over" }] });
    expect(left).toMatchObject({ errorCode: ErrorCode.NONE, members: [{ memberId, errorCode: ErrorCode.NONE }] });
    const described = await client.send(ApiKey.DescribeGroups, 5, { groups: [groupId], includeAuthorizedOperations: false });
    expect(described.groups[0]!.groupState).toBe("Empty");
    const deleted = await client.send(ApiKey.DeleteGroups, 2, { groupsNames: [groupId] });
    expect(deleted.results[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(await committedOffset()).toBe(-1);
    const gone = await client.send(ApiKey.DescribeGroups, 5, { groups: [groupId], includeAuthorizedOperations: false });
    expect(gone.groups[0]!.groupState).toBe("Dead");
  });
});
