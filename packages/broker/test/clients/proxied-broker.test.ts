// The test kit's proxy in front of a real broker process, driven by kafkajs and
// kcat: clients stay behind the proxy (the broker advertises it), delays apply,
// and a dropped Produce response leaves the write applied but unacknowledged.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHistory, startProxiedBroker, type ProxiedBroker } from "@samsa/testkit";
import { requireExecutable, topicName } from "./compat-checks.js";

const PRODUCE_API_KEY = 0;

describe.sequential("broker behind the test kit's TCP proxy", () => {
  let setup: ProxiedBroker;
  let kafka: Kafka;
  const topic = topicName("proxy");

  beforeAll(async () => {
    requireExecutable("/usr/bin/kcat", "kcat");
    setup = await startProxiedBroker({ overrides: { "auto.create.topics.enable": false } });
    kafka = new Kafka({
      clientId: "samsa-proxy-test",
      brokers: [setup.bootstrap],
      logLevel: logLevel.NOTHING,
      requestTimeout: 1_500,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 500 },
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]!.partitions).toHaveLength(1);
    await admin.disconnect();
  });

  afterAll(async () => {
    await setup?.dispose();
  });

  it("delays responses by the configured time", async () => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: "warm-up" }] });
      setup.proxy.setDelay("downstream", 400);
      const started = Date.now();
      await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: "slow" }] });
      expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    } finally {
      setup.proxy.setDelay("downstream", 0);
      await producer.disconnect();
    }
    expect(setup.proxy.connectionCount).toBeGreaterThan(0);
  });

  it("drops a Produce response after the broker applied it: the client's retry writes the record twice", async () => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: false });
    await producer.connect();
    try {
      const dropped = setup.proxy.dropNextResponse(PRODUCE_API_KEY);
      const result = await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: "retried" }] });
      expect((await dropped).apiKey).toBe(PRODUCE_API_KEY);
      // Asynchronous on purpose: the proxy runs in this process and must keep serving kcat.
      const { stdout: output } = await promisify(execFile)("/usr/bin/kcat", ["-C", "-b", setup.bootstrap, "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%o %s\\n"], {
        timeout: 15_000,
        encoding: "utf8",
      });
      const read = output.trim().split("\n").map((line) => {
        const [offset, id] = line.split(" ");
        return { partition: 0, offset: Number(offset), id: id! };
      });
      const history = checkHistory({
        acknowledged: [{ id: "retried", partition: 0, offset: Number(result[0]!.baseOffset) }],
        indeterminate: ["warm-up", "slow"],
        read,
      });
      const copies = read.filter((r) => r.id === "retried").map(({ partition, offset }) => ({ partition, offset }));
      expect(copies).toHaveLength(2);
      expect(copies[1]!.offset).toBe(Number(result[0]!.baseOffset));
      expect(history.violations).toEqual([{ kind: "duplicated", id: "retried", offsets: copies }]);
    } finally {
      await producer.disconnect();
    }
  });
});
