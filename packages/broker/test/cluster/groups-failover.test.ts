// A consumer group on a three-node cluster of processes: two kafkajs members
// consume and commit on a 6-partition RF=3 topic while a producer keeps
// writing; the group's coordinator (the leader of its __consumer_offsets
// partition) is killed with kill -9. The group must find the new coordinator
// and go on, no commit acknowledged before the kill may be lost, and every
// acknowledged record must be read (at-least-once, no gaps). The time until
// the group is served again is printed (see the broker README). Then the
// killed broker returns, the new coordinator is killed too, and the third
// coordinator must serve the same committed offsets.
import { ApiKey, ErrorCode } from "@samsa/protocol";
import { startClusterProcesses, type ClusterProcesses } from "@samsa/testkit";
import { Kafka, logLevel, type Consumer, type Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offsetsPartitionFor } from "../../src/groups/group-placement.js";
import { clusterView, createTopic, waitFor, withClient } from "./cluster-client.js";

const TOPIC = "group-failover";
const GROUP = "failover-group";
const PARTITIONS = 6;
const SESSION_TIMEOUT_MS = 3_000;
const CONSUMER_SESSION_TIMEOUT_MS = 6_000;
/** Records per partition per produce round; the producer writes continuously until stopped. */
const RECORDS_PER_PARTITION = 5;
const PRODUCE_PAUSE_MS = 50;
/** How long after the kill the producer keeps writing, so the group consumes on the new coordinator. */
const WRITE_AFTER_KILL_MS = 4_000;
const RECOVERY_BOUND_MS = 30_000;
const OFFSETS_PARTITIONS = 10;

let cluster: ClusterProcesses;
/** Set by the first test: the node it killed and the group's committed offsets at its end. */
let killedNode = -1;
let finalOffsets = new Map<number, number>();

function port(id: number): number {
  return cluster.node(id).process.port;
}

function liveNodeIds(): number[] {
  return cluster.nodes.filter((n) => n.process.running).map((n) => n.nodeId);
}

async function findCoordinator(viaNode: number): Promise<number | undefined> {
  return withClient(port(viaNode), async (client) => {
    const res = await client.send(ApiKey.FindCoordinator, 3, { key: GROUP, keyType: 0 });
    return res.errorCode === ErrorCode.NONE ? res.nodeId : undefined;
  });
}

async function describeGroup(nodeId: number): Promise<{ errorCode: number; state: string; members: number }> {
  return withClient(port(nodeId), async (client) => {
    const res = await client.send(ApiKey.DescribeGroups, 5, { groups: [GROUP], includeAuthorizedOperations: false });
    const g = res.groups[0]!;
    return { errorCode: g.errorCode, state: g.groupState, members: g.members.length };
  });
}

async function committedOffsets(nodeId: number): Promise<Map<number, number>> {
  return withClient(port(nodeId), async (client) => {
    const res = await client.send(ApiKey.OffsetFetch, 7, { groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [...Array(PARTITIONS).keys()] }], requireStable: false });
    if (res.errorCode !== ErrorCode.NONE) throw new Error(`OffsetFetch: error ${res.errorCode}`);
    return new Map((res.topics?.[0]?.partitions ?? []).map((p) => [p.partitionIndex, p.committedOffset]));
  });
}

describe("consumer group on a three-node cluster", () => {
  beforeAll(async () => {
    cluster = await startClusterProcesses({
      nodes: 3,
      overrides: {
        "broker.session.timeout.ms": SESSION_TIMEOUT_MS,
        "broker.heartbeat.interval.ms": 500,
        "min.insync.replicas": 2,
        "replica.lag.time.max.ms": 5_000,
        "offsets.topic.num.partitions": OFFSETS_PARTITIONS,
        "group.initial.rebalance.delay.ms": 500,
        "group.min.session.timeout.ms": 1_000,
      },
    });
  }, 60_000);

  afterAll(async () => {
    await cluster?.dispose();
  });

  it("survives kill -9 of the group coordinator without losing an acknowledged commit", async () => {
    await waitFor("all brokers registered", 20_000, async () => ((await clusterView(port(1))).brokers.length === 3 ? true : undefined));
    expect(await createTopic(port(1), TOPIC, PARTITIONS, 3)).toEqual({ errorCode: ErrorCode.NONE, errorMessage: null });

    const kafka = new Kafka({
      clientId: "groups-failover",
      brokers: cluster.bootstrap.split(","),
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1_000 },
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
    });

    // Producer: acks=all batches, one send per partition (kafkajs 2.2.4 retries a send spanning several
    // leaders only to the leaders that failed, silently dropping partitions whose leadership moved to one
    // that had answered); only acknowledged values must be read.
    const acknowledged = new Set<string>();
    const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    let producing = true;
    const produceLoop = (async () => {
      for (let batch = 0; producing; batch++) {
        const sends = Array.from({ length: PARTITIONS }, async (_, partition) => {
          const values = Array.from({ length: RECORDS_PER_PARTITION }, (_, i) => `b${batch}-p${partition}-${i}`);
          await producer.send({ topic: TOPIC, acks: -1, timeout: 5_000, messages: values.map((value) => ({ partition, value })) });
          return values;
        });
        // A failed send is indeterminate: its values may or may not have been written.
        for (const sent of await Promise.allSettled(sends)) if (sent.status === "fulfilled") for (const v of sent.value) acknowledged.add(v);
        await new Promise((r) => setTimeout(r, PRODUCE_PAUSE_MS));
      }
    })();

    // Two members; every successful commit is recorded with the time it was acknowledged.
    const seen = new Set<string>();
    const commits: Array<{ atMs: number; partition: number; offset: number }> = [];
    const consumers: Consumer[] = [];
    for (let member = 0; member < 2; member++) {
      const consumer = kafka.consumer({
        groupId: GROUP,
        sessionTimeout: CONSUMER_SESSION_TIMEOUT_MS,
        heartbeatInterval: 300,
        rebalanceTimeout: 10_000,
        maxWaitTimeInMs: 300,
        retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1_000 },
      });
      consumer.on(consumer.events.COMMIT_OFFSETS, (e) => {
        const atMs = Date.now();
        for (const t of e.payload.topics) for (const p of t.partitions) commits.push({ atMs, partition: Number(p.partition), offset: Number(p.offset) });
      });
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({
        autoCommitInterval: 200,
        eachMessage: async ({ message }) => {
          seen.add(message.value!.toString());
        },
      });
      consumers.push(consumer);
    }

    /** Per partition, the highest commit acknowledged before the kill. */
    const ackedBeforeKill = new Map<number, number>();
    try {
      await waitFor("the group consuming and committing", 30_000, async () => (commits.length > 10 && seen.size > 200 ? true : undefined));
      const coordinator = await waitFor("the group's coordinator", 10_000, () => findCoordinator(1));
      expect((await describeGroup(coordinator)).state).toBe("Stable");

      await cluster.node(coordinator).process.kill("SIGKILL");
      const killedAt = Date.now();
      killedNode = coordinator;
      for (const c of commits) if (c.atMs < killedAt) ackedBeforeKill.set(c.partition, Math.max(ackedBeforeKill.get(c.partition) ?? -1, c.offset));

      const survivor = liveNodeIds()[0]!;
      const next = await waitFor("a new coordinator serving the group", RECOVERY_BOUND_MS, async () => {
        const id = await findCoordinator(survivor);
        if (id === undefined || id === coordinator) return undefined;
        const d = await describeGroup(id);
        return d.errorCode === ErrorCode.NONE && d.state === "Stable" && d.members === 2 ? id : undefined;
      });
      const stableMs = Date.now() - killedAt;
      await waitFor("a commit acknowledged by the new coordinator", RECOVERY_BOUND_MS, async () => (commits.some((c) => c.atMs > killedAt + stableMs) ? true : undefined));
      const committingMs = commits.find((c) => c.atMs > killedAt)!.atMs - killedAt;
      console.log(
        `group failover: kill -9 of coordinator ${coordinator}; broker ${next} serves the group (loaded, Stable) after ${stableMs} ms; ` +
          `the members are back and the first commit is acknowledged after ${committingMs} ms (broker session timeout ${SESSION_TIMEOUT_MS} ms)`,
      );

      await new Promise((r) => setTimeout(r, WRITE_AFTER_KILL_MS));
      producing = false;
      await produceLoop;
      await waitFor("every acknowledged record read", 30_000, async () => ([...acknowledged].every((v) => seen.has(v)) ? true : undefined), 200).catch((err: Error) => {
        const missing = [...acknowledged].filter((v) => !seen.has(v));
        const byPartition = new Map<string, number>();
        for (const v of missing) byPartition.set(v.split("-")[1]!, (byPartition.get(v.split("-")[1]!) ?? 0) + 1);
        throw new Error(`${err.message}; ${missing.length} of ${acknowledged.size} missing, by partition ${JSON.stringify([...byPartition])}, e.g. ${missing.slice(0, 5).join(",")}`);
      });
    } finally {
      for (const c of consumers) await c.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
    }

    // No acknowledged commit lost: what the group has now is at least what was acknowledged before the kill.
    const finalCoordinator = await waitFor("the coordinator after the members left", 10_000, () => findCoordinator(liveNodeIds()[0]!));
    const final = await committedOffsets(finalCoordinator);
    expect(ackedBeforeKill.size).toBeGreaterThan(0);
    const lost = [...ackedBeforeKill].filter(([partition, offset]) => (final.get(partition) ?? -1) < offset).map(([p, o]) => `p${p}: ${final.get(p)} < ${o}`);
    expect(lost).toEqual([]);
    expect(acknowledged.size).toBeGreaterThan(0);
    const missing = [...acknowledged].filter((v) => !seen.has(v));
    expect(missing.slice(0, 5)).toEqual([]);
    finalOffsets = final;
  }, 90_000);

  it("keeps the committed offsets when the killed broker returns and the coordinator moves again", async () => {
    expect(killedNode).toBeGreaterThan(0);
    expect(finalOffsets.size).toBe(PARTITIONS);
    await cluster.node(killedNode).process.restart();
    const offsetsPartition = offsetsPartitionFor(GROUP, OFFSETS_PARTITIONS);
    await waitFor("the restarted broker back in the ISR of the group's partition", 30_000, async () => {
      const p = (await clusterView(port(killedNode))).topics["__consumer_offsets"]?.partitions[offsetsPartition];
      return p && p.isr.length === 3 ? true : undefined;
    });
    const second = await waitFor("the group's coordinator", 10_000, () => findCoordinator(killedNode));
    await cluster.node(second).process.kill("SIGKILL");
    const third = await waitFor("a third coordinator", RECOVERY_BOUND_MS, async () => {
      const id = await findCoordinator(liveNodeIds()[0]!);
      if (id === undefined || id === second) return undefined;
      return (await describeGroup(id)).errorCode === ErrorCode.NONE ? id : undefined;
    });
    expect(await committedOffsets(third)).toEqual(finalOffsets);
  }, 60_000);
});
