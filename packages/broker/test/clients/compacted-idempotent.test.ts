// A compacted topic written by an idempotent producer whose records are all
// superseded: the cleaner keeps that producer's latest batch as an empty batch
// (as Kafka's does), kafkajs and kcat (librdkafka) consume past it, and the
// producer goes on with its sequence after a broker restart.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD_BYTES, BatchField, RecordBatchView } from "@samsa/protocol";
import { startBrokerProcess, type BrokerProcess } from "@samsa/testkit";
import kafkajs from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KCAT, requireExecutable, runKcat, topicDirectories, topicName, withBrokerLog } from "./compat-checks.js";

const { Kafka, logLevel } = kafkajs;
const COMPACTED_TIMEOUT_MS = 20_000;
const CONSUME_TIMEOUT_MS = 20_000;
const POLL_MS = 100;
/** segment.ms of the topic: the segment holding the superseded records rolls on the first append after it. */
const SEGMENT_MS = 300;

/** Batches stored in the partition's segment files, as the broker wrote them. */
function storedBatches(dataDir: string, topic: string): { baseOffset: number; lastOffset: number; recordsCount: number; producerId: number; baseSequence: number }[] {
  const [dir] = topicDirectories(dataDir, topic);
  if (dir === undefined) return [];
  const out: ReturnType<typeof storedBatches> = [];
  for (const file of readdirSync(join(dataDir, dir)).filter((f) => f.endsWith(".log")).sort()) {
    const bytes = readFileSync(join(dataDir, dir, file));
    for (let at = 0; at + BATCH_HEADER_BYTES <= bytes.length; ) {
      const size = bytes.readInt32BE(at + BatchField.batchLength) + BATCH_LOG_OVERHEAD_BYTES;
      if (size < BATCH_HEADER_BYTES || at + size > bytes.length) break;
      const view = new RecordBatchView(bytes.subarray(at, at + size));
      out.push({ baseOffset: view.baseOffset, lastOffset: view.lastOffset, recordsCount: view.recordsCount, producerId: view.producerId, baseSequence: view.baseSequence });
      at += size;
    }
  }
  return out;
}

async function kcatConsume(bootstrap: string, topic: string): Promise<string[]> {
  const { stdout } = await runKcat(["-C", "-b", bootstrap, "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%o %k=%s\\n"]);
  return stdout.toString("utf8").split("\n").filter((line) => line.length > 0);
}

describe.sequential("compacted topic with an idempotent producer", () => {
  let broker: BrokerProcess;
  const topic = topicName("compacted-idempotent");

  beforeAll(async () => {
    requireExecutable(KCAT, "kcat");
    broker = await startBrokerProcess({ overrides: { "log.cleaner.backoff.ms": 100, "log.segment.delete.delay.ms": 0, "auto.create.topics.enable": false } });
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it("keeps the producer's latest batch as an empty batch, which kafkajs and kcat consume past, and the producer continues after a restart", async () => {
    await withBrokerLog(broker, "compacted topic with an idempotent producer", async () => {
      const kafka = new Kafka({ clientId: "compacted-idempotent", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: "cleanup.policy", value: "compact" }, { name: "segment.ms", value: String(SEGMENT_MS) }] }],
      });
      await admin.disconnect();

      const idempotent = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      const plain = kafka.producer({ idempotent: false });
      await Promise.all([idempotent.connect(), plain.connect()]);
      try {
        // Offsets 0-1 and 2: the idempotent producer's two batches; 3-5 supersede every one of their records.
        await idempotent.send({ topic, acks: -1, messages: [{ key: "a", value: "p0", partition: 0 }, { key: "b", value: "p1", partition: 0 }] });
        await idempotent.send({ topic, acks: -1, messages: [{ key: "c", value: "p2", partition: 0 }] });
        await plain.send({ topic, acks: -1, messages: ["a", "b", "c"].map((key) => ({ key, value: "x", partition: 0 })) });
        await new Promise((r) => setTimeout(r, SEGMENT_MS + 50));
        // Rolls the segment, so the cleaner may compact what came before.
        await plain.send({ topic, acks: -1, messages: [{ key: "z", value: "last", partition: 0 }] });

        const deadline = Date.now() + COMPACTED_TIMEOUT_MS;
        let batches = storedBatches(broker.dataDir, topic);
        while (!batches.some((b) => b.recordsCount === 0) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, POLL_MS));
          batches = storedBatches(broker.dataDir, topic);
        }
        const empty = batches.find((b) => b.recordsCount === 0);
        expect(empty, JSON.stringify(batches)).toMatchObject({ baseOffset: 2, lastOffset: 2, baseSequence: 2 });
        expect(empty!.producerId).toBeGreaterThanOrEqual(0);
        // The first batch is gone: it was not the producer's latest.
        expect(batches.some((b) => b.baseOffset === 0)).toBe(false);

        // kafkajs: every surviving record, and on past the empty batch to the end.
        const consumer = kafka.consumer({ groupId: `${topic}-reader`, sessionTimeout: 10_000 });
        const seen: string[] = [];
        await consumer.connect();
        try {
          await consumer.subscribe({ topic, fromBeginning: true });
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`kafkajs read ${JSON.stringify(seen)} within ${CONSUME_TIMEOUT_MS} ms`)), CONSUME_TIMEOUT_MS);
            void consumer.run({
              eachMessage: async ({ message }) => {
                seen.push(`${message.offset} ${message.key?.toString()}=${message.value?.toString()}`);
                if (message.key?.toString() === "z") {
                  clearTimeout(timer);
                  resolve();
                }
              },
            });
          });
        } finally {
          await consumer.disconnect();
        }
        expect(seen).toEqual(["3 a=x", "4 b=x", "5 c=x", "6 z=last"]);

        // librdkafka, through kcat.
        expect(await kcatConsume(broker.bootstrap, topic)).toEqual(["3 a=x", "4 b=x", "5 c=x", "6 z=last"]);
      } finally {
        await plain.disconnect();
      }

      // The producer's state survives a restart; its next batch is accepted in sequence.
      await broker.restart();
      try {
        const [meta] = await idempotent.send({ topic, acks: -1, messages: [{ key: "d", value: "p3", partition: 0 }] });
        expect(meta!.errorCode).toBe(0);
        expect(meta!.baseOffset).toBe("7");
      } finally {
        await idempotent.disconnect();
      }
    });
  });
});
