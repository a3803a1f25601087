// @platformatic/kafka 1.27 against a real broker process: create (Admin),
// produce with every codec it can use on this Node version across a broker
// restart, consume back, ListOffsets (Admin), delete (Admin).
import { Admin, compressionsAlgorithms, Consumer, Producer, type Message, type MessageToProduce } from "@platformatic/kafka";
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
/** zstd needs zlib's zstd, which Node 20 lacks; the client reports what it can use. */
const CODECS = (["gzip", "snappy", "lz4", "zstd"] as const).filter((codec) => compressionsAlgorithms[codec].available !== false);

function toMessage(topic: string, record: TestRecord): MessageToProduce {
  const headers = new Map<Buffer, Buffer>();
  // Distinct Buffer objects as keys, so repeated header names survive the Map.
  for (const [name, value] of record.headers) headers.set(Buffer.from(name, "utf8"), value);
  return {
    topic,
    partition: record.partition,
    key: record.key ?? undefined,
    value: record.value ?? undefined,
    headers,
    timestamp: BigInt(record.timestamp),
  };
}

function fromMessage(message: Message): ConsumedRecord {
  return {
    partition: message.partition,
    offset: Number(message.offset),
    key: message.key ?? null,
    value: message.value ?? null,
    headers: [...message.headers.entries()].map(([name, value]) => [Buffer.from(name).toString("utf8"), value ?? null]),
    timestamp: Number(message.timestamp),
  };
}

describe.sequential("@platformatic/kafka 1.27", () => {
  let broker: BrokerProcess;
  let admin: Admin;
  const topic = topicName("platformatic");
  const records = generateRecords({ baseTimestamp: defaultBaseTimestamp() });
  const clientOptions = () => ({ bootstrapBrokers: [broker.bootstrap], timeout: 10_000, retries: 8, retryDelay: 250 });

  beforeAll(async () => {
    broker = await startCompatBroker();
    admin = new Admin({ clientId: "samsa-compat-platformatic-admin", ...clientOptions() });
  });

  afterAll(async () => {
    await admin?.close();
    await broker?.dispose();
  });

  it("creates a topic with 3 partitions", async () => {
    await withBrokerLog(broker, "platformatic admin.createTopics", async () => {
      const created = await admin.createTopics({ topics: [topic], partitions: PARTITION_COUNT, replicas: 1 });
      expect(created.map((t) => [t.name, t.partitions])).toEqual([[topic, PARTITION_COUNT]]);
    });
    expect(topicDirectories(broker.dataDir, topic).sort()).toEqual([0, 1, 2].map((p) => `${topic}-${p}`));
  });

  it(`produces 10,000 records (${CODECS.join(", ")}) across a broker restart`, async () => {
    const producer = new Producer({ clientId: "samsa-compat-platformatic-producer", ...clientOptions(), acks: -1 });
    const acknowledged = new Map<number, number>();
    try {
      await withBrokerLog(broker, "platformatic produce", async () => {
        for (let start = 0; start < records.length; start += SEND_CHUNK_RECORDS) {
          if (start === records.length / 2) await broker.restart();
          const chunk = records.slice(start, start + SEND_CHUNK_RECORDS);
          const compression = CODECS[(start / SEND_CHUNK_RECORDS) % CODECS.length]!;
          const result = await producer.send({ messages: chunk.map((r) => toMessage(topic, r)), compression, acks: -1 });
          for (const partitionChunk of byPartition(chunk)) {
            if (partitionChunk.length === 0) continue;
            const partition = partitionChunk[0]!.partition;
            const reported = result.offsets?.find((o) => o.topic === topic && o.partition === partition);
            expect(reported, `produce result for partition ${partition}`).toBeDefined();
            const baseOffset = Number(reported!.offset);
            partitionChunk.forEach((record, i) => acknowledged.set(record.index, baseOffset + i));
          }
        }
      });
    } finally {
      await producer.close();
    }
    for (const partitionRecords of byPartition(records)) {
      partitionRecords.forEach((record, position) => expect(acknowledged.get(record.index), `record #${record.index}`).toBe(position));
    }
  });

  it("consumes every partition from offset 0 with exact keys, values, headers, timestamps and order", async () => {
    const consumer = new Consumer({ clientId: "samsa-compat-platformatic-consumer", groupId: `${topic}-reader`, ...clientOptions(), maxWaitTime: 200 });
    const consumed: ConsumedRecord[] = [];
    try {
      await withBrokerLog(broker, "platformatic consume", async () => {
        const stream = await consumer.consume({ topics: [topic], mode: "earliest", autocommit: false, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
        try {
          const allRead = new Promise<void>((resolve, reject) => {
            stream.on("data", (message) => {
              consumed.push(fromMessage(message));
              if (consumed.length >= records.length) resolve();
            });
            stream.on("error", reject);
          });
          const timedOut = await Promise.race([allRead.then(() => false), sleep(CONSUME_TIMEOUT_MS).then(() => true)]);
          expect(timedOut, `read ${consumed.length} of ${records.length} records within ${CONSUME_TIMEOUT_MS} ms`).toBe(false);
        } finally {
          await stream.close();
        }
      });
    } finally {
      await consumer.close(true);
    }
    expect(comparePartitions(records, consumed)).toEqual([]);
  });

  it("answers ListOffsets earliest, latest and by timestamp", async () => {
    const perPartition = byPartition(records);
    const listAt = async (timestamp: number) => {
      const answer = await admin.listOffsets({
        topics: [{ name: topic, partitions: [0, 1, 2].map((partitionIndex) => ({ partitionIndex, timestamp: BigInt(timestamp) })) }],
      });
      const partitions = answer.find((t) => t.name === topic)?.partitions ?? [];
      return [0, 1, 2].map((p) => Number(partitions.find((entry) => entry.partitionIndex === p)?.offset));
    };
    await withBrokerLog(broker, "platformatic ListOffsets", async () => {
      expect(await listAt(-2)).toEqual([0, 0, 0]);
      expect(await listAt(-1)).toEqual(perPartition.map((r) => r.length));
      for (const timestamp of [records[0]!.timestamp - 60_000, records[4_000]!.timestamp, records[7_777]!.timestamp + 1, records.at(-1)!.timestamp + 1]) {
        expect({ timestamp, offsets: await listAt(timestamp) }).toEqual({ timestamp, offsets: perPartition.map((r) => expectedOffsetForTimestamp(r, timestamp)) });
      }
    });
  });

  it("deletes the topic and its partition directories", async () => {
    await withBrokerLog(broker, "platformatic admin.deleteTopics", async () => {
      await admin.deleteTopics({ topics: [topic] });
      await waitForTopicDirectoriesGone(broker.dataDir, topic);
    });
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
