// kafkajs 2.2.4 against a real broker process: create, produce (gzip and
// uncompressed) across a broker restart, consume everything back, ListOffsets,
// delete. kafkajs has no snappy/lz4/zstd without plugins, so those are not used.
import { CompressionTypes, Kafka, logLevel, Partitioners, type IHeaders, type Message } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrokerProcess } from "@samsa/testkit";
import {
  comparePartitions,
  expectedOffsetForTimestamp,
  startCompatBroker,
  topicDirectories,
  topicName,
  waitForTopicDirectoriesGone,
  withBrokerLog,
} from "./compat-checks.js";
import { byPartition, defaultBaseTimestamp, generateRecords, PARTITION_COUNT, type ConsumedRecord, type TestRecord } from "./compat-records.js";

const SEND_CHUNK_RECORDS = 500;
const CONSUME_TIMEOUT_MS = 30_000;

function toKafkajsHeaders(headers: TestRecord["headers"]): IHeaders {
  const out: IHeaders = {};
  for (const [name, value] of headers) {
    const existing = out[name];
    if (existing === undefined) out[name] = value;
    else out[name] = Array.isArray(existing) ? [...existing, value] : [existing as Buffer, value];
  }
  return out;
}

function fromKafkajsHeaders(headers: IHeaders | undefined): Array<[string, Buffer | null]> {
  const out: Array<[string, Buffer | null]> = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) out.push([name, v === undefined ? null : Buffer.from(v)]);
  }
  return out;
}

function toMessage(record: TestRecord): Message {
  return {
    partition: record.partition,
    key: record.key,
    value: record.value,
    headers: toKafkajsHeaders(record.headers),
    timestamp: String(record.timestamp),
  };
}

describe.sequential("kafkajs 2.2.4", () => {
  let broker: BrokerProcess;
  const topic = topicName("kafkajs");
  const records = generateRecords({ baseTimestamp: defaultBaseTimestamp() });
  const acknowledgedOffsets = new Map<number, number>();
  let kafka: Kafka;
  /** kafkajs's own warnings and errors, newest last, for failure messages. */
  const kafkajsLog: string[] = [];

  beforeAll(async () => {
    broker = await startCompatBroker();
    kafka = new Kafka({
      clientId: "samsa-compat-kafkajs",
      brokers: [broker.bootstrap],
      logLevel: logLevel.WARN,
      logCreator: () => (entry) => {
        kafkajsLog.push(`${entry.namespace} ${entry.log.message} ${JSON.stringify({ ...entry.log, message: undefined, timestamp: undefined, logger: undefined })}`);
        if (kafkajsLog.length > 50) kafkajsLog.shift();
      },
      retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2_000 },
      connectionTimeout: 3_000,
      requestTimeout: 10_000,
    });
  });

  afterAll(async () => {
    await broker?.dispose();
  });

  it("creates a topic with 3 partitions", async () => {
    const admin = kafka.admin();
    await withBrokerLog(broker, "kafkajs admin.createTopics", async () => {
      await admin.connect();
      try {
        const created = await admin.createTopics({ topics: [{ topic, numPartitions: PARTITION_COUNT, replicationFactor: 1 }], waitForLeaders: true });
        expect(created).toBe(true);
        const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
        expect(metadata.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
      } finally {
        await admin.disconnect();
      }
    });
  });

  it("produces 10,000 records with gzip and without compression, across a broker restart", async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await withBrokerLog(broker, "kafkajs produce", async () => {
      await producer.connect();
      try {
        const half = records.length / 2;
        for (let start = 0; start < records.length; start += SEND_CHUNK_RECORDS) {
          if (start === half) await broker.restart();
          const chunk = records.slice(start, start + SEND_CHUNK_RECORDS);
          const compression = (start / SEND_CHUNK_RECORDS) % 2 === 0 ? CompressionTypes.GZIP : CompressionTypes.None;
          const result = await producer.send({ topic, acks: -1, compression, messages: chunk.map(toMessage) });
          for (const partitionChunk of byPartition(chunk)) {
            if (partitionChunk.length === 0) continue;
            const metadata = result.find((r) => r.partition === partitionChunk[0]!.partition);
            expect(metadata?.errorCode, `produce result for partition ${partitionChunk[0]!.partition}`).toBe(0);
            const baseOffset = Number(metadata!.baseOffset);
            partitionChunk.forEach((record, i) => acknowledgedOffsets.set(record.index, baseOffset + i));
          }
        }
      } finally {
        await producer.disconnect();
      }
    });
    const perPartition = byPartition(records);
    for (const partitionRecords of perPartition) {
      partitionRecords.forEach((record, position) => expect(acknowledgedOffsets.get(record.index)).toBe(position));
    }
  });

  it("consumes every partition from offset 0 with exact keys, values, headers, timestamps and order", async () => {
    const consumer = kafka.consumer({ groupId: `${topic}-reader`, maxWaitTimeInMs: 200, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    const consumed: ConsumedRecord[] = [];
    await withBrokerLog(broker, "kafkajs consume", async () => {
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        let done: () => void;
        let crashed: (error: Error) => void;
        const allRead = new Promise<void>((resolve, reject) => {
          done = resolve;
          crashed = reject;
        });
        consumer.on(consumer.events.CRASH, (event) => crashed(event.payload.error));
        await consumer.run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            consumed.push({
              partition,
              offset: Number(message.offset),
              key: message.key,
              value: message.value,
              headers: fromKafkajsHeaders(message.headers),
              timestamp: Number(message.timestamp),
            });
            if (consumed.length >= records.length) done();
          },
        });
        const timedOut = await Promise.race([allRead.then(() => false), sleep(CONSUME_TIMEOUT_MS).then(() => true)]);
        expect(timedOut, `read ${consumed.length} of ${records.length} records within ${CONSUME_TIMEOUT_MS} ms; kafkajs log:\n${kafkajsLog.slice(-10).join("\n")}`).toBe(false);
      } finally {
        await consumer.disconnect();
      }
    });
    expect(comparePartitions(records, consumed)).toEqual([]);
  });

  it("answers ListOffsets earliest, latest and by timestamp", async () => {
    const admin = kafka.admin();
    const perPartition = byPartition(records);
    await withBrokerLog(broker, "kafkajs ListOffsets", async () => {
      await admin.connect();
      try {
        const offsets = await admin.fetchTopicOffsets(topic);
        for (let partition = 0; partition < PARTITION_COUNT; partition++) {
          const entry = offsets.find((o) => o.partition === partition)!;
          expect({ partition, low: Number(entry.low), high: Number(entry.high) }).toEqual({ partition, low: 0, high: perPartition[partition]!.length });
        }
        const probes = [records[0]!.timestamp - 60_000, records[4_000]!.timestamp, records[7_777]!.timestamp + 1, records.at(-1)!.timestamp + 1];
        const answered: Array<{ timestamp: number; offsets: number[] }> = [];
        const expected: typeof answered = [];
        for (const timestamp of probes) {
          const byTimestamp = await admin.fetchTopicOffsetsByTimestamp(topic, timestamp);
          answered.push({ timestamp, offsets: [0, 1, 2].map((p) => Number(byTimestamp.find((o) => o.partition === p)?.offset)) });
          // kafkajs maps "no such record" (-1) to the high watermark itself.
          const offsets = perPartition.map((r) => expectedOffsetForTimestamp(r, timestamp)).map((o, p) => (o === -1 ? perPartition[p]!.length : o));
          expected.push({ timestamp, offsets });
        }
        expect(answered).toEqual(expected);
      } finally {
        await admin.disconnect();
      }
    });
  });

  it("deletes the topic and its partition directories", async () => {
    const admin = kafka.admin();
    await withBrokerLog(broker, "kafkajs admin.deleteTopics", async () => {
      await admin.connect();
      try {
        expect(topicDirectories(broker.dataDir, topic).sort()).toEqual([0, 1, 2].map((p) => `${topic}-${p}`));
        await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
        await waitForTopicDirectoriesGone(broker.dataDir, topic);
        const topics = await admin.listTopics();
        expect(topics).not.toContain(topic);
      } finally {
        await admin.disconnect();
      }
    });
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
