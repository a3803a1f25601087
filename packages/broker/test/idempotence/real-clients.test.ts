// Idempotent producers of real clients against an in-process broker: kafkajs
// (idempotent: true), @platformatic/kafka (idempotent: true), librdkafka via
// confluent-kafka-python and kcat (enable.idempotence=true). Each record must
// land exactly once, in order, in batches carrying the producer id the broker
// handed out.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Producer as PlatformaticProducer } from "@platformatic/kafka";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "@samsa/protocol";
import { startTestBroker, stopTestBroker, type RunningBroker } from "../helpers/broker-fixture.js";
import { TestClient } from "../helpers/test-client.js";
import { createTopic, readBatches } from "./wire-helpers.js";

const run = promisify(execFile);
const PYTHON = "/usr/bin/python3";
const KCAT = "/usr/bin/kcat";
const CLIENT_TIMEOUT_MS = 30_000;

let b: RunningBroker;
let client: TestClient;
let bootstrap: string;

beforeAll(async () => {
  b = await startTestBroker(["auto.create.topics.enable=false"]);
  client = await TestClient.connect(b.broker.port);
  bootstrap = `127.0.0.1:${b.broker.port}`;
});
afterAll(async () => {
  client?.close();
  await stopTestBroker(b);
});

/** The partition holds exactly `count` records, every batch from one idempotent producer with consecutive sequences. */
async function expectWrittenOnce(topic: string, count: number): Promise<void> {
  const { highWatermark, batches } = await readBatches(client, topic);
  expect(highWatermark).toBe(count);
  expect(batches.length).toBeGreaterThan(0);
  const producerIds = new Set(batches.map((x) => x.producerId));
  expect(producerIds.size).toBe(1);
  expect([...producerIds][0]).toBeGreaterThanOrEqual(0);
  let expectedOffset = 0;
  for (const batch of batches) {
    expect(batch.crcValid).toBe(true);
    expect(batch.baseOffset).toBe(expectedOffset);
    // One producer epoch from sequence 0: the sequence of a batch is the offset of its first record.
    expect(batch.baseSequence).toBe(batch.baseOffset);
    expectedOffset = batch.baseOffset + batch.lastOffsetDelta + 1;
  }
}

describe.sequential("idempotent producers of real clients", () => {
  it("kafkajs 2.2.4 with idempotent: true", async () => {
    const topic = "idem-kafkajs";
    expect(await createTopic(client, topic)).toBe(ErrorCode.NONE);
    const kafka = new Kafka({ clientId: "samsa-idem-kafkajs", brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      const offsets: number[] = [];
      for (let round = 0; round < 10; round++) {
        const res = await producer.send({ topic, acks: -1, messages: Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `kafkajs-${round}-${i}` })) });
        offsets.push(Number(res[0]!.baseOffset));
      }
      expect(offsets).toEqual(Array.from({ length: 10 }, (_, i) => i * 5));
    } finally {
      await producer.disconnect();
    }
    await expectWrittenOnce(topic, 50);
  });

  it("@platformatic/kafka 1.27 with idempotent: true", async () => {
    const topic = "idem-platformatic";
    expect(await createTopic(client, topic)).toBe(ErrorCode.NONE);
    const producer = new PlatformaticProducer({ clientId: "samsa-idem-platformatic", bootstrapBrokers: [bootstrap], idempotent: true, timeout: 10_000, retryDelay: 100 });
    try {
      for (let round = 0; round < 10; round++) {
        const res = await producer.send({ messages: Array.from({ length: 4 }, (_, i) => ({ topic, partition: 0, value: Buffer.from(`platformatic-${round}-${i}`) })) });
        expect(res.offsets?.[0]).toMatchObject({ topic, partition: 0, offset: BigInt(round * 4) });
      }
    } finally {
      await producer.close();
    }
    await expectWrittenOnce(topic, 40);
  });

  it("librdkafka (confluent-kafka-python) with enable.idempotence=true", async () => {
    const topic = "idem-librdkafka";
    expect(await createTopic(client, topic)).toBe(ErrorCode.NONE);
    const script = [
      "import json, sys",
      "from confluent_kafka import Producer",
      "p = Producer({'bootstrap.servers': sys.argv[1], 'enable.idempotence': True, 'linger.ms': 5, 'max.in.flight.requests.per.connection': 5})",
      "results = []",
      "def done(err, msg): results.append([None if err is None else str(err), msg.offset()])",
      "for i in range(int(sys.argv[3])):",
      "    p.produce(sys.argv[2], value=('py-%d' % i).encode(), partition=0, on_delivery=done)",
      "    p.poll(0)",
      "left = p.flush(20)",
      "print(json.dumps({'left': left, 'results': results}))",
    ].join("\n");
    const { stdout } = await run(PYTHON, ["-c", script, bootstrap, topic, "200"], { timeout: CLIENT_TIMEOUT_MS });
    const out = JSON.parse(stdout) as { left: number; results: [string | null, number][] };
    expect(out.left).toBe(0);
    expect(out.results.filter(([err]) => err !== null)).toEqual([]);
    expect(out.results.map(([, offset]) => offset).sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    await expectWrittenOnce(topic, 200);
  });

  it("librdkafka (kcat) with enable.idempotence=true", async () => {
    const topic = "idem-kcat";
    expect(await createTopic(client, topic)).toBe(ErrorCode.NONE);
    const lines = Array.from({ length: 100 }, (_, i) => `kcat-${i}`).join("\n") + "\n";
    const child = execFile(KCAT, ["-P", "-b", bootstrap, "-t", topic, "-p", "0", "-X", "enable.idempotence=true", "-X", "linger.ms=5"], { timeout: CLIENT_TIMEOUT_MS });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.stdin!.end(lines);
    expect(await exited).toBe(0);
    await expectWrittenOnce(topic, 100);
  });
});
