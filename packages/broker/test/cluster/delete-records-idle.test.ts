// DeleteRecords on an idle RF=3 partition whose followers park their fetches
// for a long replica.fetch.wait.max.ms: the leader wakes the parked fetches
// when its log start moves, so the followers learn it at once and the
// request completes well within its timeout, instead of timing out.
import { ErrorCode } from "@samsa/protocol";
import { startClusterProcesses, type ClusterProcesses } from "@samsa/testkit";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUICK_CLUSTER_OVERRIDES, clusterView, waitFor } from "./cluster-client.js";
import { createAssignedTopic, deleteRecordsOf, openConnection, partitionState } from "./leadership-requests.js";

const TOPIC = "delete-records-idle";
const RECORDS = 20;
/** Far longer than the DeleteRecords timeout below: without the wake the followers would answer too late. */
const FETCH_WAIT_MS = 25_000;
const DELETE_TIMEOUT_MS = 8_000;

let cluster: ClusterProcesses;

describe("DeleteRecords on an idle partition with long follower fetch waits", () => {
  beforeAll(async () => {
    cluster = await startClusterProcesses({
      nodes: 3,
      overrides: {
        ...QUICK_CLUSTER_OVERRIDES,
        "replica.fetch.wait.max.ms": FETCH_WAIT_MS,
      },
    });
    const port = cluster.node(1).process.port;
    await waitFor("all brokers registered", 30_000, async () => ((await clusterView(port)).brokers.length === 3 ? true : undefined));
    expect(await createAssignedTopic(port, TOPIC, [1, 2, 3], { "min.insync.replicas": "2" })).toEqual({ errorCode: ErrorCode.NONE, errorMessage: null });
  }, 60_000);

  afterAll(async () => {
    await cluster?.dispose();
  });

  it("wakes the parked follower fetches, so every replica's log start moves within the request's timeout", async () => {
    const state = await waitFor("partition led with a full ISR", 20_000, async () => {
      const s = await partitionState(cluster.node(1).process.port, TOPIC);
      return s && s.leader > 0 && s.isr.length === 3 ? s : undefined;
    });
    const kafka = new Kafka({ clientId: "delete-records-idle", brokers: cluster.bootstrap.split(","), logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: RECORDS }, (_, i) => ({ partition: 0, value: `r${i}` })) });
    } finally {
      await producer.disconnect();
    }
    // Let the followers settle into a parked fetch on the now idle partition.
    await new Promise((r) => setTimeout(r, 500));
    const leader = await openConnection(cluster.node(state.leader).process.port, "delete-records-idle");
    try {
      const started = Date.now();
      expect(await deleteRecordsOf(leader, TOPIC, 0, 10, DELETE_TIMEOUT_MS)).toEqual({ partitionIndex: 0, errorCode: ErrorCode.NONE, lowWatermark: 10 });
      console.log(`DeleteRecords on an idle partition answered after ${Date.now() - started} ms (followers' fetch wait ${FETCH_WAIT_MS} ms)`);
    } finally {
      await leader.close();
    }
  });
});
