// The test kit's proxy drops a Produce response after the broker wrote the
// batch: the idempotent client times out, retries the same sequence, gets the
// original offset back, and the log holds the record exactly once.
import { execFile } from "node:child_process";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKey, ErrorCode } from "@samsa/protocol";
import { findFreePort, startTcpProxy, type TcpProxy } from "@samsa/testkit";
import { startTestBroker, stopTestBroker, type RunningBroker } from "../helpers/broker-fixture.js";
import { TestClient } from "../helpers/test-client.js";
import { createTopic, readBatches } from "./wire-helpers.js";

const REQUEST_TIMEOUT_MS = 1_000;

let b: RunningBroker;
let proxy: TcpProxy;
let direct: TestClient;

beforeAll(async () => {
  const port = await findFreePort();
  proxy = await startTcpProxy({ targetPort: port });
  // The broker advertises the proxy, so clients that follow Metadata stay behind it.
  b = await startTestBroker([`listeners=PLAINTEXT://127.0.0.1:${port}`, `advertised.listeners=PLAINTEXT://${proxy.address}`, "auto.create.topics.enable=false"]);
  direct = await TestClient.connect(b.broker.port);
});
afterAll(async () => {
  direct?.close();
  await stopTestBroker(b);
  await proxy?.close();
});

async function duplicatesAnswered(topic: string): Promise<number> {
  const text = await b.broker.metrics.registry.metrics();
  const match = new RegExp(`samsa_producer_duplicate_batches_total\\{topic="${topic}"\\} (\\d+)`).exec(text);
  return match ? Number(match[1]) : 0;
}

describe.sequential("a lost Produce response", () => {
  it("kafkajs (idempotent) retries and the log holds the record once", async () => {
    const topic = "lost-answer-kafkajs";
    expect(await createTopic(direct, topic)).toBe(ErrorCode.NONE);
    const kafka = new Kafka({ clientId: "samsa-idem-proxy", brokers: [proxy.address], logLevel: logLevel.NOTHING, requestTimeout: REQUEST_TIMEOUT_MS, retry: { initialRetryTime: 100, maxRetryTime: 500 } });
    const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: "warm-up" }] });
      const dropped = proxy.dropNextResponse(ApiKey.Produce);
      const sent = await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: "exactly-once" }] });
      expect(await dropped).toMatchObject({ apiKey: ApiKey.Produce });
      expect(Number(sent[0]!.baseOffset)).toBe(1);
      await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: "after" }] });
    } finally {
      await producer.disconnect();
    }
    const { highWatermark, batches } = await readBatches(direct, topic);
    expect(highWatermark).toBe(3);
    expect(batches.map((x) => [x.baseOffset, x.baseSequence])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
    expect(await duplicatesAnswered(topic)).toBe(1);
  });

  it("librdkafka (confluent-kafka-python, enable.idempotence) retries and the log holds the record once", async () => {
    const topic = "lost-answer-librdkafka";
    expect(await createTopic(direct, topic)).toBe(ErrorCode.NONE);
    const script = [
      "import json, sys",
      "from confluent_kafka import Producer",
      "p = Producer({'bootstrap.servers': sys.argv[1], 'enable.idempotence': True, 'request.timeout.ms': int(sys.argv[3]), 'socket.timeout.ms': int(sys.argv[3]), 'retry.backoff.ms': 100})",
      "results = []",
      "def done(err, msg): results.append([None if err is None else str(err), msg.offset()])",
      "p.produce(sys.argv[2], value=b'warm-up', partition=0, on_delivery=done)",
      "p.flush(10)",
      "print('ready', flush=True)",
      "sys.stdin.readline()",
      "p.produce(sys.argv[2], value=b'exactly-once', partition=0, on_delivery=done)",
      "left = p.flush(20)",
      "print(json.dumps({'left': left, 'results': results}), flush=True)",
    ].join("\n");
    const child = execFile("/usr/bin/python3", ["-c", script, proxy.address, topic, String(REQUEST_TIMEOUT_MS)], { timeout: 30_000 });
    let stdout = "";
    let stderr = "";
    const readyOrExit = new Promise<void>((resolve) => {
      child.stdout!.on("data", (chunk: string) => {
        stdout += chunk;
        if (stdout.includes("ready")) resolve();
      });
      child.once("exit", () => resolve());
    });
    child.stderr!.on("data", (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    await readyOrExit;
    expect(stdout, stderr).toContain("ready");
    const dropped = proxy.dropNextResponse(ApiKey.Produce);
    child.stdin!.end("go\n");
    expect(await exited, stderr).toBe(0);
    expect(await dropped).toMatchObject({ apiKey: ApiKey.Produce });
    const out = JSON.parse(stdout.slice(stdout.indexOf("{"))) as { left: number; results: [string | null, number][] };
    expect(out, stderr).toEqual({ left: 0, results: [[null, 0], [null, 1]] });
    const { highWatermark, batches } = await readBatches(direct, topic);
    expect(highWatermark).toBe(2);
    expect(batches.map((x) => x.baseOffset)).toEqual([0, 1]);
    expect(await duplicatesAnswered(topic)).toBe(1);
  });
});
