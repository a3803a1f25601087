// Leadership checks of every per-partition API on a 3-node cluster of processes,
// asked of the leader, a follower and a broker holding no replica, with raw
// requests (no client routing or retries): Produce, ListOffsets,
// OffsetForLeaderEpoch and DeleteRecords answer as Kafka's brokers do.
import { buildRecordBatch, ErrorCode } from "@samsa/protocol";
import { startClusterProcesses, type ClusterProcesses } from "@samsa/testkit";
import type { BrokerConnection } from "@samsa/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterView, createTopic, waitFor } from "./cluster-client.js";
import {
  deleteRecordsOf,
  listOffsetsOf,
  offsetForLeaderEpochOf,
  openConnection,
  partitionState,
  produceTo,
  type PartitionState,
} from "./leadership-requests.js";

const TOPIC = "leadership";
const LATEST = -1;
const DEBUGGING_REPLICA_ID = -2;

let cluster: ClusterProcesses;
/** Open connections by node id (closed in afterAll). */
const conns = new Map<number, BrokerConnection>();
let state: PartitionState;
let leader: number;
let follower: number;
let outsider: number;

function port(id: number): number {
  return cluster.node(id).process.port;
}

function records(...values: string[]): Buffer {
  return buildRecordBatch({ records: values.map((value) => ({ value })), timestamp: Date.now() });
}

/** Every running node reports the partition with a leader and a full ISR of `isrSize`. */
async function settled(ids: number[], isrSize: number): Promise<PartitionState | undefined> {
  const states = await Promise.all(ids.map((id) => partitionState(port(id), TOPIC)));
  const first = states[0];
  if (!first || first.leader < 0 || first.isr.length !== isrSize) return undefined;
  return states.every((s) => JSON.stringify(s) === JSON.stringify(first)) ? first : undefined;
}

describe("leadership checks on a three-node cluster", () => {
  beforeAll(async () => {
    cluster = await startClusterProcesses({
      nodes: 3,
      overrides: { "broker.session.timeout.ms": 3_000, "broker.heartbeat.interval.ms": 500, "auto.create.topics.enable": false },
    });
    await waitFor("all brokers registered", 30_000, async () => ((await clusterView(port(1))).brokers.length === 3 ? true : undefined));
    expect(await createTopic(port(1), TOPIC, 1, 2)).toEqual({ errorCode: ErrorCode.NONE, errorMessage: null });
    state = await waitFor("partition led with a full ISR on every node", 20_000, () => settled([1, 2, 3], 2));
    leader = state.leader;
    follower = state.replicas.find((id) => id !== leader)!;
    outsider = [1, 2, 3].find((id) => !state.replicas.includes(id))!;
    for (const id of [1, 2, 3]) conns.set(id, await openConnection(port(id)));
  }, 60_000);

  afterAll(async () => {
    for (const conn of conns.values()) await conn.close().catch(() => {});
    await cluster?.dispose();
  });

  const on = (id: number) => conns.get(id)!;

  it("Produce: the leader appends; a follower and a non-replica answer NOT_LEADER_OR_FOLLOWER; unknown partitions UNKNOWN_TOPIC_OR_PARTITION", async () => {
    const ok = await produceTo(on(leader), TOPIC, 0, records("a", "b", "c"));
    expect(ok).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0 });
    expect((await produceTo(on(follower), TOPIC, 0, records("x"))).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect((await produceTo(on(outsider), TOPIC, 0, records("x"))).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    for (const id of [leader, follower, outsider]) {
      expect((await produceTo(on(id), TOPIC, 7, records("x"))).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      expect((await produceTo(on(id), "no-such-topic", 0, records("x"))).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
  });

  it("ListOffsets: only the leader answers consumers; epochs are checked first; the debugging replica id may read a follower's log end", async () => {
    const epoch = state.leaderEpoch;
    expect(await listOffsetsOf(on(leader), TOPIC, 0, { timestamp: LATEST, currentLeaderEpoch: epoch })).toMatchObject({ errorCode: ErrorCode.NONE, offset: 3, leaderEpoch: epoch });
    expect(await listOffsetsOf(on(leader), TOPIC, 0, { timestamp: LATEST })).toMatchObject({ errorCode: ErrorCode.NONE, offset: 3 });
    for (const id of [follower, outsider]) {
      expect((await listOffsetsOf(on(id), TOPIC, 0, { timestamp: LATEST, currentLeaderEpoch: epoch })).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      expect((await listOffsetsOf(on(id), TOPIC, 0, { timestamp: LATEST })).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }
    // A client ahead of this broker's metadata: UNKNOWN_LEADER_EPOCH (retriable), on leader and follower alike.
    expect((await listOffsetsOf(on(leader), TOPIC, 0, { timestamp: LATEST, currentLeaderEpoch: epoch + 1 })).errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect((await listOffsetsOf(on(follower), TOPIC, 0, { timestamp: LATEST, currentLeaderEpoch: epoch + 1 })).errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect((await listOffsetsOf(on(leader), TOPIC, 9, { timestamp: LATEST })).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const followerEnd = await waitFor("the follower's log end via the debugging replica id", 10_000, async () => {
      const answer = await listOffsetsOf(on(follower), TOPIC, 0, { timestamp: LATEST, replicaId: DEBUGGING_REPLICA_ID });
      return answer.errorCode === ErrorCode.NONE && answer.offset === 3 ? answer : undefined;
    });
    expect(followerEnd.offset).toBe(3);
    expect((await listOffsetsOf(on(outsider), TOPIC, 0, { timestamp: LATEST, replicaId: DEBUGGING_REPLICA_ID })).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it("OffsetForLeaderEpoch: the leader answers consumers and followers (replicaId ≥ 0); other replicas NOT_LEADER_OR_FOLLOWER", async () => {
    const epoch = state.leaderEpoch;
    const expected = { errorCode: ErrorCode.NONE, leaderEpoch: epoch, endOffset: 3 };
    expect(await offsetForLeaderEpochOf(on(leader), TOPIC, 0, { leaderEpoch: epoch, currentLeaderEpoch: epoch })).toMatchObject(expected);
    expect(await offsetForLeaderEpochOf(on(leader), TOPIC, 0, { leaderEpoch: epoch, currentLeaderEpoch: epoch, replicaId: follower })).toMatchObject(expected);
    for (const id of [follower, outsider]) {
      for (const replicaId of [-1, id]) {
        const answer = await offsetForLeaderEpochOf(on(id), TOPIC, 0, { leaderEpoch: epoch, currentLeaderEpoch: epoch, replicaId });
        expect(answer).toMatchObject({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, endOffset: -1 });
      }
    }
    expect((await offsetForLeaderEpochOf(on(leader), TOPIC, 0, { leaderEpoch: epoch, currentLeaderEpoch: epoch + 1 })).errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect((await offsetForLeaderEpochOf(on(outsider), "no-such-topic", 0, { leaderEpoch: 0 })).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it("DeleteRecords: only the leader moves the log start", async () => {
    for (const id of [follower, outsider]) expect((await deleteRecordsOf(on(id), TOPIC, 0, 1)).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect((await deleteRecordsOf(on(leader), TOPIC, 3, 1)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(await deleteRecordsOf(on(leader), TOPIC, 0, 1)).toMatchObject({ errorCode: ErrorCode.NONE, lowWatermark: 1 });
    expect(await listOffsetsOf(on(leader), TOPIC, 0, { timestamp: -2 })).toMatchObject({ errorCode: ErrorCode.NONE, offset: 1 });
  });

  it("after the leader moves, the old epoch is FENCED_LEADER_EPOCH at the new leader, which answers for the epoch that ended", async () => {
    const oldEpoch = state.leaderEpoch;
    const oldLeader = leader;
    // Controlled shutdown: the controller moves the leadership to the follower.
    await conns.get(oldLeader)!.close();
    conns.delete(oldLeader);
    await cluster.node(oldLeader).process.stop();
    const moved = await waitFor("leadership moved to the follower", 20_000, async () => {
      const s = await partitionState(port(follower), TOPIC);
      return s && s.leader === follower && s.leaderEpoch > oldEpoch ? s : undefined;
    });
    await waitFor("the outsider sees the move", 10_000, async () => ((await partitionState(port(outsider), TOPIC))?.leaderEpoch === moved.leaderEpoch ? true : undefined));
    const newLeader = on(follower);
    expect((await listOffsetsOf(newLeader, TOPIC, 0, { timestamp: LATEST, currentLeaderEpoch: oldEpoch })).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect((await offsetForLeaderEpochOf(newLeader, TOPIC, 0, { leaderEpoch: oldEpoch, currentLeaderEpoch: oldEpoch })).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    // A broker holding no replica has no epoch to compare: NOT_LEADER_OR_FOLLOWER.
    expect((await listOffsetsOf(on(outsider), TOPIC, 0, { timestamp: LATEST, currentLeaderEpoch: oldEpoch })).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const ended = await offsetForLeaderEpochOf(newLeader, TOPIC, 0, { leaderEpoch: oldEpoch, currentLeaderEpoch: moved.leaderEpoch });
    expect(ended).toMatchObject({ errorCode: ErrorCode.NONE, leaderEpoch: oldEpoch, endOffset: 3 });
    const latest = await waitFor("the new leader's high watermark", 10_000, async () => {
      const answer = await listOffsetsOf(newLeader, TOPIC, 0, { timestamp: LATEST, currentLeaderEpoch: moved.leaderEpoch });
      return answer.errorCode === ErrorCode.NONE ? answer : undefined;
    });
    expect(latest).toMatchObject({ offset: 3, leaderEpoch: moved.leaderEpoch });
    expect(await produceTo(newLeader, TOPIC, 0, records("d"), 1)).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 3 });
    expect((await produceTo(on(outsider), TOPIC, 0, records("x"))).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  }, 40_000);
});
