import { SAMSA_IMAGE } from "./support/e2e-env.js";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import kafkajs from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { COMPOSE_FILE, composeCommand, runCompose } from "./support/compose.js";
import { eventually } from "./support/eventually.js";
import { freePort } from "./support/free-port.js";
import { prometheusMissing, startHostPrometheus, type HostPrometheus } from "./support/host-prometheus.js";

const TOPIC_READY_TIMEOUT_MS = 30_000;
const { Kafka, logLevel } = kafkajs;
const run = promisify(execFile);

const PROJECT = "samsa-e2e";
const SERVICES = ["samsa-1", "samsa-2", "samsa-3"] as const;
// The host ports docker-compose.yml publishes the EXTERNAL listeners on.
const BROKERS = ["127.0.0.1:19092", "127.0.0.1:29092", "127.0.0.1:39092"];
const METRICS_PORT = 9404;
const TOPIC = "e2e-compose";
const MESSAGE_COUNT = 90;
const UP_TIMEOUT_MS = 120_000;
// Bounded below the file's stop_grace_period: the test's data is disposable.
const DOWN_STOP_TIMEOUT_S = 20;
const DOWN_TIMEOUT_MS = 120_000;
const HEALTHY_TIMEOUT_MS = 150_000;
const HEALTH_POLL_MS = 2_000;
const CONDITION_TIMEOUT_MS = 45_000;
const CONSUME_TIMEOUT_MS = 60_000;

const dockerUnavailable = inject("dockerUnavailable");
const compose = await composeCommand(dockerUnavailable, "the compose cluster test");
const missing = prometheusMissing(dockerUnavailable);

/**
 * An override that runs the image under test instead of the file's samsa:latest
 * and publishes each node's metrics port on 127.0.0.1 for the host's Prometheus
 * (the file itself leaves metrics to the compose network).
 */
function writeOverride(dir: string, metricsPorts: readonly number[]): string {
  const path = join(dir, "docker-compose.e2e.yml");
  const lines = ["services:"];
  SERVICES.forEach((service, i) => {
    lines.push(`  ${service}:`, `    image: ${JSON.stringify(SAMSA_IMAGE)}`, "    ports:", `      - "127.0.0.1:${metricsPorts[i]}:${METRICS_PORT}"`);
  });
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

describe.skipIf(compose === null || missing !== null)(`docker/docker-compose.yml brought up with ${SAMSA_IMAGE}`, () => {
  let dir: string;
  let composeArgs: string[];
  let metricsPorts: number[];
  let prometheus: HostPrometheus | undefined;
  const composeRun = (args: string[], timeoutMs: number) =>
    runCompose(compose!, [...composeArgs, ...args], { timeoutMs, env: { ADVERTISED_HOST: "127.0.0.1" } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "samsa-e2e-compose-"));
    metricsPorts = [];
    for (const _ of SERVICES) metricsPorts.push(await freePort());
    composeArgs = ["-f", COMPOSE_FILE, "-f", writeOverride(dir, metricsPorts), "-p", PROJECT];
    // Left over from an interrupted run, the project would hold the host ports.
    await composeRun(["down", "-v", "-t", String(DOWN_STOP_TIMEOUT_S)], DOWN_TIMEOUT_MS);
    await composeRun(["up", "-d", "--no-build"], UP_TIMEOUT_MS);
    const ids = (await composeRun(["ps", "-q"], UP_TIMEOUT_MS)).stdout.trim().split("\n").filter(Boolean);
    expect(ids).toHaveLength(SERVICES.length);
    await eventually(
      "every node healthy (samsa-probe ready)",
      HEALTHY_TIMEOUT_MS,
      async () => {
        const { stdout } = await run("docker", ["inspect", "--format", "{{.State.Health.Status}}", ...ids], { timeout: HEALTH_POLL_MS * 5 });
        const states = stdout.trim().split("\n");
        if (states.some((s) => s === "unhealthy")) throw new Error(`health: ${states.join(", ")}`);
        return states.every((s) => s === "healthy") ? true : undefined;
      },
      HEALTH_POLL_MS,
    );
  });

  afterAll(async () => {
    await prometheus?.stop();
    if (composeArgs !== undefined) await composeRun(["down", "-v", "-t", String(DOWN_STOP_TIMEOUT_S)], DOWN_TIMEOUT_MS);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("kafkajs on the host sees three brokers, produces with acks=all to the file's default topic settings and consumes everything back", async () => {
    const kafka = new Kafka({ brokers: BROKERS, clientId: "e2e-compose", logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.map((b) => `${b.host}:${b.port}`).sort()).toEqual([...BROKERS].sort());
      // No partitions or replication factor given: the file's defaults (3, 3, min.insync 2) apply.
      await admin.createTopics({ topics: [{ topic: TOPIC }], waitForLeaders: false });
      // CreateTopics is answered once the controller committed the topic and the
      // receiving broker applied it; the other brokers apply it moments later (as
      // in Kafka), so a metadata request may briefly get UNKNOWN_TOPIC_OR_PARTITION.
      const metadata = await eventually(
        "the new topic has a leader for every partition",
        TOPIC_READY_TIMEOUT_MS,
        async () => {
          const m = await admin.fetchTopicMetadata({ topics: [TOPIC] });
          return m.topics[0]!.partitions.length > 0 && m.topics[0]!.partitions.every((p) => p.leader >= 0) ? m : undefined;
        },
      );
      expect(metadata.topics[0]!.partitions).toHaveLength(3);
      expect(metadata.topics[0]!.partitions.every((p) => p.replicas.length === 3)).toBe(true);
      // ListOffsets goes to each partition's leader: once it answers for all of
      // them, every leader has applied the topic. Without this wait a leader may
      // still answer the produce with UNKNOWN_TOPIC_OR_PARTITION, and kafkajs
      // 2.2.4 then retries the whole send with new sequence numbers for the
      // partitions that had succeeded, storing them twice (reproduced with 3
      // processes: 3 of 6 runs), which the exactly-once check below would
      // blame on the broker.
      await eventually("every partition leader knows the new topic", TOPIC_READY_TIMEOUT_MS, async () =>
        (await admin.fetchTopicOffsets(TOPIC)).length === 3 ? true : undefined,
      );
    } finally {
      await admin.disconnect();
    }

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const sent = Array.from({ length: MESSAGE_COUNT }, (_, i) => `compose-${i}`);
    try {
      await producer.send({ topic: TOPIC, acks: -1, messages: sent.map((value) => ({ key: value, value })) });
    } finally {
      await producer.disconnect();
    }

    const consumer = kafka.consumer({ groupId: "e2e-compose", sessionTimeout: 10_000 });
    // A group consumer is at-least-once: a rebalance while the group forms (the
    // offsets topic is created on first use) may hand a partition over before any
    // commit, so a record can arrive twice. Exactly-once is checked on the log.
    const received = new Set<string>();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`consumed ${received.size} of ${MESSAGE_COUNT} within ${CONSUME_TIMEOUT_MS} ms`)), CONSUME_TIMEOUT_MS);
        void consumer.run({
          eachMessage: async ({ message }) => {
            received.add(message.value!.toString());
            if (received.size >= MESSAGE_COUNT) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    expect([...received].sort()).toEqual([...sent].sort());
    const offsetsAdmin = kafka.admin();
    await offsetsAdmin.connect();
    try {
      const offsets = await offsetsAdmin.fetchTopicOffsets(TOPIC);
      const stored = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
      expect(stored).toBe(MESSAGE_COUNT); // the idempotent producer wrote each record once
    } finally {
      await offsetsAdmin.disconnect();
    }
  });

  it("the host's Prometheus scrapes all three nodes and sees the produced bytes", async () => {
    const targets = metricsPorts.map((port) => `127.0.0.1:${port}`);
    prometheus = await startHostPrometheus(targets);
    const up = await prometheus.targetsUp(SERVICES.length, CONDITION_TIMEOUT_MS);
    expect(up.map((t) => t.scrapeUrl).sort()).toEqual(targets.map((t) => `http://${t}/metrics`).sort());
    // The leaders of the topic's partitions counted the previous test's produce.
    const bytesIn = await eventually("bytes-in > 0 in Prometheus", CONDITION_TIMEOUT_MS, async () => {
      const value = await prometheus!.queryScalar(`sum(kafka_server_brokertopicmetrics_bytesin_total{topic="${TOPIC}"})`);
      return value > 0 ? value : undefined;
    });
    expect(bytesIn).toBeGreaterThan(0);
  });
});
