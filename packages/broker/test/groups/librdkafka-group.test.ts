// librdkafka (through confluent-kafka-python) in a consumer group with the
// cooperative-sticky assignor: two members share a topic, consume every
// record once with synchronous commits, and a later member resumes from them.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PYTHON, requirePythonModules } from "../clients/compat-checks.js";
import { stopTestBroker, type RunningBroker } from "../helpers/broker-fixture.js";
import { startGroupBroker, uniqueName } from "./group-fixture.js";

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL("./python/confluent_group.py", import.meta.url));
const PARTITIONS = 4;
const RECORDS = 200;
const SCRIPT_TIMEOUT_MS = 50_000;

interface Seen {
  member: string;
  partition: number;
  offset: number;
  value: string;
}

async function runScript(bootstrap: string, topic: string, group: string, mode: string, count: number) {
  const { stdout } = await run(PYTHON, [SCRIPT, bootstrap, topic, group, mode, String(count)], { timeout: SCRIPT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split("\n").pop()!) as { seen: Seen[]; assignments?: Record<string, number[]>; errors: string[] };
}

describe.sequential("librdkafka consumer group (cooperative-sticky)", () => {
  let running: RunningBroker;
  let kafka: Kafka;
  let bootstrap: string;
  const topic = uniqueName("groups-rdkafka");
  const group = uniqueName("group-rdkafka");

  beforeAll(async () => {
    requirePythonModules({ confluent_kafka: "python3-confluent-kafka" });
    running = await startGroupBroker();
    bootstrap = `127.0.0.1:${running.broker.port}`;
    kafka = new Kafka({ clientId: "groups-rdkafka-test", brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
    await admin.disconnect();
  });

  afterAll(async () => {
    await stopTestBroker(running);
  });

  it("two members share the partitions and read every record once, committing as they go", async () => {
    const result = await runScript(bootstrap, topic, group, "spread", RECORDS);
    expect(result.errors).toEqual([]);
    const owned = [...result.assignments!.m1!, ...result.assignments!.m2!].sort();
    expect(owned).toEqual([0, 1, 2, 3]);
    expect(result.assignments!.m1!.length).toBeGreaterThan(0);
    expect(result.assignments!.m2!.length).toBeGreaterThan(0);
    const values = result.seen.map((s) => s.value);
    expect(values.length).toBe(RECORDS);
    expect(new Set(values).size).toBe(RECORDS);
    expect(new Set(result.seen.map((s) => s.member))).toEqual(new Set(["m1", "m2"]));

    const admin = kafka.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(committed[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0)).toBe(RECORDS);
    await admin.disconnect();
  });

  it("a static member that restarts gets its partitions back without the other member rebalancing (KIP-345)", async () => {
    const { stdout } = await run(PYTHON, [SCRIPT, bootstrap, topic, uniqueName("group-static"), "static", "0"], { timeout: SCRIPT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
    const result = JSON.parse(stdout.trim().split("\n").pop()!) as { before: number[][] | null; after: number[][] | null; m2EventsAfterRestart: string[]; errors: string[] };
    expect(result.errors).toEqual([]);
    expect(result.before).not.toBeNull();
    expect(result.after).toEqual(result.before);
    expect(result.m2EventsAfterRestart).toEqual([]);
  });

  it("a new member resumes after the group's committed offsets", async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 40 }, (_, i) => ({ partition: i % PARTITIONS, value: `later-${i}` })) });
    await producer.disconnect();
    const result = await runScript(bootstrap, topic, group, "resume", 40);
    expect(result.errors).toEqual([]);
    expect(result.seen.map((s) => s.value).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `later-${i}`).sort());
  });
});
