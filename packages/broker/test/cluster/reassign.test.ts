// Partition reassignment (KIP-455) and leader elections on three combined
// broker+controller processes. Measured times are printed.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiKey, ErrorCode } from "@samsa/protocol";
import { checkHistory, describeViolations, startClusterProcesses, type ClusterProcesses } from "@samsa/testkit";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AcksAllWriter, readPartition } from "./acks-all-writer.js";
import { clusterView, waitFor, withClient } from "./cluster-client.js";

let cluster: ClusterProcesses;

const port = (id: number) => cluster.node(id).process.port;
const liveBootstrap = () => cluster.nodes.filter((n) => n.process.running).map((n) => n.process.bootstrap);

async function createTopic(name: string, replicas: number[], configs: Record<string, string> = {}): Promise<void> {
  const res = await withClient(port(1), (c) =>
    c.send(ApiKey.CreateTopics, 7, {
      topics: [{ name, numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: replicas }], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
      timeoutMs: 30_000,
      validateOnly: false,
    }),
  );
  expect(res.topics[0]!.errorCode).toBe(ErrorCode.NONE);
}

async function reassign(topic: string, replicas: number[] | null): Promise<number> {
  const res = await withClient(port(2), (c) => c.send(ApiKey.AlterPartitionReassignments, 0, { timeoutMs: 30_000, topics: [{ name: topic, partitions: [{ partitionIndex: 0, replicas }] }] }));
  expect(res.errorCode).toBe(ErrorCode.NONE);
  return res.responses[0]!.partitions[0]!.errorCode;
}

async function ongoing(topic: string) {
  const res = await withClient(port(2), (c) => c.send(ApiKey.ListPartitionReassignments, 0, { timeoutMs: 30_000, topics: [{ name: topic, partitionIndexes: [0] }] }));
  expect(res.errorCode).toBe(ErrorCode.NONE);
  return res.topics.flatMap((t) => t.partitions);
}

async function elect(type: number, topic: string, partition: number): Promise<number> {
  const res = await withClient(port(1), (c) => c.send(ApiKey.ElectLeaders, 2, { electionType: type, topicPartitions: [{ topic, partitions: [partition] }], timeoutMs: 30_000 }));
  expect(res.errorCode).toBe(ErrorCode.NONE);
  return res.replicaElectionResults[0]!.partitionResult[0]!.errorCode;
}

async function partitionState(topic: string) {
  return (await clusterView(port(liveBootstrap().length === 3 ? 1 : 2))).topics[topic]?.partitions[0];
}

/** The partition's segment bytes in one node's log dir, or null when the directory is gone. */
function segmentBytes(nodeId: number, topic: string): Buffer | null {
  const dir = join(cluster.node(nodeId).process.dataDir, `${topic}-0`);
  if (!existsSync(dir)) return null;
  return Buffer.concat(
    readdirSync(dir)
      .filter((f) => f.endsWith(".log"))
      .sort()
      .map((f) => readFileSync(join(dir, f))),
  );
}

describe("partition reassignment and leader elections on a three-node cluster", () => {
  beforeAll(async () => {
    cluster = await startClusterProcesses({
      nodes: 3,
      overrides: { "broker.session.timeout.ms": 3000, "broker.heartbeat.interval.ms": 500, "replica.lag.time.max.ms": 5000, "num.partitions": 1 },
    });
    await waitFor("three registered brokers", 30_000, async () => ((await clusterView(port(1))).brokers.length === 3 ? true : undefined));
  }, 60_000);

  afterAll(async () => {
    await cluster?.dispose();
  });

  it("moves an RF=1 partition from broker 1 to [2,3] while producing acks=all, losing nothing", async () => {
    const topic = "moving";
    await createTopic(topic, [1]);
    await waitFor("leader 1", 15_000, async () => ((await partitionState(topic))?.leader === 1 ? true : undefined));
    const writer = new AcksAllWriter(liveBootstrap(), topic);
    let completedMs: number;
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const started = Date.now();
      expect(await reassign(topic, [2, 3])).toBe(ErrorCode.NONE);
      completedMs = await waitFor("reassignment completes", 30_000, async () => ((await ongoing(topic)).length === 0 ? Date.now() - started : undefined));
      const ackedAtCompletion = writer.acknowledged.length;
      await waitFor("writes continue on the new leader", 15_000, async () => (writer.acknowledged.length > ackedAtCompletion + 20 ? true : undefined));
    } finally {
      await writer.stop();
    }
    console.log(`reassignment [1] -> [2,3] completed ${completedMs} ms after the request; ${writer.acknowledged.length} acknowledged, ${writer.indeterminate.length} indeterminate`);
    const state = await waitFor("metadata shows the new replica set", 10_000, async () => {
      const p = await partitionState(topic);
      return p && p.replicas.join() === "2,3" && p.isr.join() === "2,3" ? p : undefined;
    });
    expect(state.leader).toBe(2);

    const read = await readPartition(liveBootstrap(), topic, 20_000);
    const result = checkHistory({ acknowledged: writer.acknowledged, indeterminate: writer.indeterminate, read });
    if (!result.ok) console.log(describeViolations(result.violations));
    expect(result.violations).toEqual([]);
    expect(result.acknowledgedCount).toBeGreaterThan(20);

    // Both new replicas hold the same bytes; broker 1 deleted its copy.
    await waitFor("byte-identical logs on brokers 2 and 3", 10_000, async () => {
      const [two, three] = [segmentBytes(2, topic), segmentBytes(3, topic)];
      return two && three && two.length > 0 && two.equals(three) ? true : undefined;
    });
    await waitFor("broker 1's partition directory removed", 10_000, async () => (segmentBytes(1, topic) === null ? true : undefined));
  });

  it("moves the preferred leader back with a preferred election after a leader bounce", async () => {
    const topic = "preferred";
    await createTopic(topic, [1, 2, 3]);
    await waitFor("leader 1 with a full ISR", 15_000, async () => {
      const p = await partitionState(topic);
      return p?.leader === 1 && p.isr.length === 3 ? true : undefined;
    });
    expect(await elect(0, topic, 0)).toBe(ErrorCode.ELECTION_NOT_NEEDED);
    expect(await elect(1, topic, 0)).toBe(ErrorCode.ELECTION_NOT_NEEDED);
    expect(await elect(0, topic, 5)).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

    await cluster.node(1).process.restart();
    await waitFor("broker 1 back in the ISR under another leader", 30_000, async () => {
      const p = await partitionState(topic);
      return p && p.leader !== 1 && p.leader > 0 && p.isr.length === 3 ? true : undefined;
    });
    const started = Date.now();
    expect(await elect(0, topic, 0)).toBe(ErrorCode.NONE);
    await waitFor("broker 1 leads again", 10_000, async () => ((await partitionState(topic))?.leader === 1 ? true : undefined));
    console.log(`preferred election after the bounce: broker 1 leads again ${Date.now() - started} ms after the request`);
  });

  it("cancels a reassignment that cannot finish, and refuses bad requests as Kafka does", async () => {
    const topic = "cancelled";
    await createTopic(topic, [1]);
    await waitFor("leader 1", 15_000, async () => ((await partitionState(topic))?.leader === 1 ? true : undefined));
    expect(await reassign(topic, null)).toBe(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
    expect(await reassign(topic, [1, 99])).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(await reassign("no-such-topic", [1])).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

    // Broker 3 is down, so it cannot catch up and the reassignment stays in progress.
    await cluster.node(3).process.kill("SIGKILL");
    // kafkajs sends admin requests to the controller Metadata names, and gives up if it is unreachable.
    await waitFor("a live active controller", 15_000, async () => {
      const md = await withClient(port(1), (c) => c.send(ApiKey.Metadata, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }));
      return md.controllerId === 1 || md.controllerId === 2 ? true : undefined;
    });
    // Started and listed by kafkajs, as a real client does it.
    const admin = new Kafka({ clientId: "reassign-kafkajs", brokers: [cluster.node(1).process.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } }).admin();
    await admin.connect();
    try {
      await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: [1, 3] }] }] });
      const listed = await admin.listPartitionReassignments({ topics: [{ topic, partitions: [0] }] });
      // kafkajs 2.2.4 hands back the wire field "name" (its typings say "topic").
      expect(listed.topics as unknown).toEqual([{ name: topic, partitions: [{ partition: 0, replicas: [1, 3], addingReplicas: [3], removingReplicas: [] }] }]);
    } finally {
      await admin.disconnect();
    }
    expect(await ongoing(topic)).toEqual([{ partitionIndex: 0, replicas: [1, 3], addingReplicas: [3], removingReplicas: [] }]);
    expect(await reassign(topic, null)).toBe(ErrorCode.NONE);
    expect(await ongoing(topic)).toEqual([]);
    await waitFor("metadata back to [1]", 10_000, async () => ((await partitionState(topic))?.replicas.join() === "1" ? true : undefined));
  });
});
