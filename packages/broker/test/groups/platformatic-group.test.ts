// @platformatic/kafka 1.27 consuming in a group with explicit commits; a
// second consumer of the group starts at the committed offsets.
import { Consumer, Producer, stringDeserializers, stringSerializers, type Message } from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopTestBroker, type RunningBroker } from "../helpers/broker-fixture.js";
import { startGroupBroker, uniqueName } from "./group-fixture.js";

const PARTITIONS = 3;
const CONSUME_TIMEOUT_MS = 20_000;

describe.sequential("@platformatic/kafka consumer group", () => {
  let running: RunningBroker;
  let bootstrap: string;
  const topic = uniqueName("groups-platformatic");
  const groupId = uniqueName("group-platformatic");
  const clientOptions = () => ({ bootstrapBrokers: [bootstrap], timeout: 10_000, retries: 8, retryDelay: 250 });

  async function produce(values: string[]): Promise<void> {
    const producer = new Producer({ clientId: "groups-platformatic-producer", ...clientOptions(), serializers: stringSerializers });
    try {
      await producer.send({ messages: values.map((value, i) => ({ topic, value, partition: i % PARTITIONS })) });
    } finally {
      await producer.close();
    }
  }

  /** Reads `count` records in the group, committing each, then leaves the group. */
  async function consume(count: number): Promise<string[]> {
    const consumer = new Consumer({ clientId: "groups-platformatic-consumer", groupId, ...clientOptions(), maxWaitTime: 200, deserializers: stringDeserializers });
    const values: string[] = [];
    try {
      const stream = await consumer.consume({ topics: [topic], mode: "committed", fallbackMode: "earliest", autocommit: false, sessionTimeout: 6_000, heartbeatInterval: 500 });
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`read ${values.length} of ${count} records in ${CONSUME_TIMEOUT_MS} ms`)), CONSUME_TIMEOUT_MS);
          stream.on("data", (message: Message<string, string, string, string>) => {
            values.push(message.value);
            void message.commit();
            if (values.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          });
          stream.on("error", (err) => {
            clearTimeout(timer);
            reject(err);
          });
        });
        // Let the last commits reach the broker before leaving.
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        await stream.close();
      }
    } finally {
      await consumer.close(true);
    }
    return values;
  }

  beforeAll(async () => {
    running = await startGroupBroker();
    bootstrap = `127.0.0.1:${running.broker.port}`;
    const kafka = new Kafka({ clientId: "groups-platformatic-admin", brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
    await admin.disconnect();
  });

  afterAll(async () => {
    await stopTestBroker(running);
  });

  it("consumes with commits, and the next consumer resumes after them", async () => {
    const first = Array.from({ length: 60 }, (_, i) => `first-${i}`);
    await produce(first);
    expect((await consume(first.length)).sort()).toEqual([...first].sort());

    const kafka = new Kafka({ clientId: "groups-platformatic-check", brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0)).toBe(first.length);
    await admin.disconnect();

    const second = Array.from({ length: 30 }, (_, i) => `second-${i}`);
    await produce(second);
    expect((await consume(second.length)).sort()).toEqual([...second].sort());
  });
});
