// DeleteRecords on RF=3 across three broker processes: the leader answers
// once every replica moved its log start (the low watermark), the followers
// move theirs from the leader's fetch responses, and the new log start
// survives a leader move. Also runs the fetchers with non-default
// replica.fetch.* settings and two fetchers per source broker.
import { ErrorCode } from "@samsa/protocol";
import { startClusterProcesses, type ClusterProcesses } from "@samsa/testkit";
import type { BrokerConnection } from "@samsa/client";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUICK_CLUSTER_OVERRIDES, clusterView, waitFor } from "./cluster-client.js";
import { createAssignedTopic, deleteRecordsOf, listOffsetsOf, openConnection, partitionState, type PartitionState } from "./leadership-requests.js";

const TOPIC = "delete-records";
const RECORDS = 1000;
/** 40 records per produce request: offset 500 falls inside a batch (480..519). */
const RECORDS_PER_SEND = 40;
const EARLIEST = -2;
const LATEST = -1;
const DEBUGGING_REPLICA_ID = -2;

let cluster: ClusterProcesses;
const conns = new Map<number, BrokerConnection>();
let state: PartitionState;

function port(id: number): number {
  return cluster.node(id).process.port;
}

async function on(id: number): Promise<BrokerConnection> {
  let conn = conns.get(id);
  if (!conn) conns.set(id, (conn = await openConnection(port(id), "delete-records-test")));
  return conn;
}

/** A replica's own log start, asked of that replica (debugging replica id: followers answer too). */
async function logStartOn(id: number): Promise<number> {
  const answer = await listOffsetsOf(await on(id), TOPIC, 0, { timestamp: EARLIEST, replicaId: DEBUGGING_REPLICA_ID });
  expect(answer.errorCode).toBe(ErrorCode.NONE);
  return answer.offset ?? -1;
}

describe("DeleteRecords on a three-node cluster", () => {
  beforeAll(async () => {
    cluster = await startClusterProcesses({
      nodes: 3,
      overrides: {
        ...QUICK_CLUSTER_OVERRIDES,
        "num.replica.fetchers": 2,
        "replica.fetch.wait.max.ms": 200,
        "replica.fetch.max.bytes": 4096,
        "replica.fetch.backoff.ms": 200,
      },
    });
    await waitFor("all brokers registered", 30_000, async () => ((await clusterView(port(1))).brokers.length === 3 ? true : undefined));
    expect(await createAssignedTopic(port(1), TOPIC, [1, 2, 3], { "min.insync.replicas": "2" })).toEqual({ errorCode: ErrorCode.NONE, errorMessage: null });
    state = await waitFor("partition led with a full ISR", 20_000, async () => {
      const s = await partitionState(port(1), TOPIC);
      return s && s.leader > 0 && s.isr.length === 3 ? s : undefined;
    });
  }, 60_000);

  afterAll(async () => {
    for (const conn of conns.values()) await conn.close().catch(() => {});
    await cluster?.dispose();
  });

  it("answers with low watermark 500 only once every replica's log start reached it", async () => {
    const kafka = new Kafka({ clientId: "delete-records-test", brokers: cluster.bootstrap.split(","), logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1_000 } });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      for (let sent = 0; sent < RECORDS; sent += RECORDS_PER_SEND) {
        const messages = Array.from({ length: RECORDS_PER_SEND }, (_, i) => ({ partition: 0, value: `record-${sent + i}` }));
        await producer.send({ topic: TOPIC, acks: -1, messages });
      }
    } finally {
      await producer.disconnect();
    }
    const leader = await on(state.leader);
    expect(await listOffsetsOf(leader, TOPIC, 0, { timestamp: LATEST })).toMatchObject({ errorCode: ErrorCode.NONE, offset: RECORDS });

    // Past the high watermark: refused, nothing changes.
    expect(await deleteRecordsOf(leader, TOPIC, 0, RECORDS + 1)).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1 });
    expect(await logStartOn(state.leader)).toBe(0);

    expect(await deleteRecordsOf(leader, TOPIC, 0, 500)).toEqual({ partitionIndex: 0, errorCode: ErrorCode.NONE, lowWatermark: 500 });
    // No waiting here: the answer itself says every replica already moved.
    expect(await Promise.all([1, 2, 3].map(logStartOn))).toEqual([500, 500, 500]);
  });

  it("kafkajs' deleteTopicRecords moves every replica's log start, which a new leader keeps", async () => {
    const kafka = new Kafka({ clientId: "delete-records-admin", brokers: cluster.bootstrap.split(","), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      // kafkajs' deleteTopicRecords needs the topic's metadata loaded already (it does not load it itself).
      await admin.fetchTopicMetadata({ topics: [TOPIC] });
      await admin.deleteTopicRecords({ topic: TOPIC, partitions: [{ partition: 0, offset: "700" }] });
      expect(await admin.fetchTopicOffsets(TOPIC)).toEqual([expect.objectContaining({ partition: 0, low: "700", high: String(RECORDS) })]);
    } finally {
      await admin.disconnect();
    }
    expect(await Promise.all([1, 2, 3].map(logStartOn))).toEqual([700, 700, 700]);

    // Move the leadership: stop the leader (controlled shutdown); a follower takes over with the same log start.
    const oldLeader = state.leader;
    await conns.get(oldLeader)?.close();
    conns.delete(oldLeader);
    await cluster.node(oldLeader).process.stop();
    const survivor = [1, 2, 3].find((id) => id !== oldLeader)!;
    const moved = await waitFor("a new leader", 20_000, async () => {
      const s = await partitionState(port(survivor), TOPIC);
      return s && s.leader > 0 && s.leader !== oldLeader ? s : undefined;
    });
    const earliest = await waitFor("the new leader answers ListOffsets", 10_000, async () => {
      const answer = await listOffsetsOf(await on(moved.leader), TOPIC, 0, { timestamp: EARLIEST });
      return answer.errorCode === ErrorCode.NONE ? answer : undefined;
    });
    expect(earliest.offset).toBe(700);
  }, 40_000);
});
