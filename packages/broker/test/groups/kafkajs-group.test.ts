// kafkajs 2.2.4 consumer groups against an in-process broker: three members
// share a 6-partition topic, one leaves and its partitions move, and after a
// broker restart the group resumes from its committed offsets.
import { Kafka, logLevel, type Consumer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopTestBroker, type RunningBroker } from "../helpers/broker-fixture.js";
import { newDataDir, startGroupBroker, uniqueName, waitFor } from "./group-fixture.js";

const PARTITIONS = 6;
const RECORDS_PER_ROUND = 600;
const SESSION_TIMEOUT_MS = 6_000;

interface Seen {
  member: string;
  partition: number;
  offset: number;
  value: string;
}

describe.sequential("kafkajs consumer group", () => {
  const dir = newDataDir();
  let running: RunningBroker;
  let kafka: Kafka;
  const topic = uniqueName("groups-kafkajs");
  const groupId = uniqueName("group-kafkajs");
  const seen: Seen[] = [];
  const assignments = new Map<string, number[]>();
  const consumers = new Map<string, Consumer>();
  let produced = 0;

  const connect = (port: number) =>
    new Kafka({ clientId: "groups-test", brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });

  async function produceRound(round: string): Promise<string[]> {
    const producer = kafka.producer();
    await producer.connect();
    const values: string[] = [];
    const messages = [];
    for (let i = 0; i < RECORDS_PER_ROUND; i++) {
      const value = `${round}-${i}`;
      values.push(value);
      messages.push({ partition: i % PARTITIONS, value });
    }
    await producer.send({ topic, messages });
    await producer.disconnect();
    produced += RECORDS_PER_ROUND;
    return values;
  }

  async function startMember(name: string): Promise<Consumer> {
    // Short long-polls: kafkajs heartbeats (and so learns of a rebalance) only between fetches.
    const consumer = kafka.consumer({ groupId, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 300, rebalanceTimeout: 10_000, maxWaitTimeInMs: 500 });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      assignments.set(name, [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b));
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({ member: name, partition, offset: Number(message.offset), value: message.value!.toString() });
      },
    });
    consumers.set(name, consumer);
    return consumer;
  }

  /** Every live member has joined the latest generation and together they own every partition once. */
  function spreadOver(members: readonly string[]): boolean {
    const owned = members.flatMap((m) => assignments.get(m) ?? []);
    return members.every((m) => (assignments.get(m)?.length ?? 0) > 0) && owned.length === PARTITIONS && new Set(owned).size === PARTITIONS;
  }

  function expectExactlyOnce(values: readonly string[], from: readonly Seen[]): void {
    const byValue = new Map<string, number>();
    for (const s of from) byValue.set(s.value, (byValue.get(s.value) ?? 0) + 1);
    const missing = values.filter((v) => !byValue.has(v));
    const duplicated = [...byValue].filter(([, n]) => n > 1).map(([v]) => v);
    expect({ missing: missing.slice(0, 5), duplicated: duplicated.slice(0, 5) }).toEqual({ missing: [], duplicated: [] });
  }

  beforeAll(async () => {
    running = await startGroupBroker(dir);
    kafka = connect(running.broker.port);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
    await admin.disconnect();
  });

  afterAll(async () => {
    for (const c of consumers.values()) await c.disconnect().catch(() => undefined);
    await stopTestBroker(running);
  });

  it("three members split the partitions and read every record exactly once", async () => {
    await Promise.all(["a", "b", "c"].map((m) => startMember(m)));
    await waitFor("the partitions to spread over three members", () => spreadOver(["a", "b", "c"]));
    for (const m of ["a", "b", "c"]) expect(assignments.get(m)).toHaveLength(2);
    const values = await produceRound("r1");
    await waitFor("every record of round 1", () => seen.length >= RECORDS_PER_ROUND);
    expectExactlyOnce(values, seen);
    const members = new Set(seen.map((s) => s.member));
    expect(members).toEqual(new Set(["a", "b", "c"]));

    const admin = kafka.admin();
    await admin.connect();
    const described = await admin.describeGroups([groupId]);
    expect(described.groups[0]!.state).toBe("Stable");
    expect(described.groups[0]!.members).toHaveLength(3);
    await admin.disconnect();
  });

  it("moves a leaving member's partitions to the others within the session timeout", async () => {
    const leaver = consumers.get("c")!;
    const before = new Set(assignments.get("c"));
    assignments.delete("a");
    assignments.delete("b");
    const leftAt = Date.now();
    await leaver.disconnect();
    consumers.delete("c");
    await waitFor("the partitions to move to the two remaining members", () => spreadOver(["a", "b"]), SESSION_TIMEOUT_MS);
    expect(Date.now() - leftAt).toBeLessThan(SESSION_TIMEOUT_MS);
    const nowOwned = new Set([...(assignments.get("a") ?? []), ...(assignments.get("b") ?? [])]);
    for (const p of before) expect(nowOwned.has(p)).toBe(true);

    const start = seen.length;
    const values = await produceRound("r2");
    await waitFor("every record of round 2", () => seen.length - start >= RECORDS_PER_ROUND);
    const round2 = seen.slice(start);
    expectExactlyOnce(values, round2);
    expect(round2.every((s) => s.member !== "c")).toBe(true);
  });

  it("resumes from the committed offsets after the group and the broker restart", async () => {
    for (const c of consumers.values()) await c.disconnect();
    consumers.clear();
    await stopTestBroker(running, false);
    running = await startGroupBroker(dir);
    kafka = connect(running.broker.port);

    const admin = kafka.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const total = committed[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(total).toBe(produced);
    await admin.disconnect();

    const start = seen.length;
    assignments.clear();
    await Promise.all(["d", "e", "f"].map((m) => startMember(m)));
    await waitFor("the restarted group to spread", () => spreadOver(["d", "e", "f"]));
    const values = await produceRound("r3");
    await waitFor("every record of round 3", () => seen.length - start >= RECORDS_PER_ROUND);
    // Give a re-read of old records a moment to show up before checking none came.
    await new Promise((r) => setTimeout(r, 500));
    const afterRestart = seen.slice(start);
    expect(afterRestart.filter((s) => !s.value.startsWith("r3-")).map((s) => s.value)).toEqual([]);
    expectExactlyOnce(values, afterRestart);
  });
});
