// DeleteRecords on one broker: per-partition answers in one request, Kafka's
// error codes for bad input (which change nothing), -1 meaning the high
// watermark, and POLICY_VIOLATION for compact-only topics.
import { ApiKey, ErrorCode } from "@samsa/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, stopTestBroker, type RunningBroker } from "./helpers/broker-fixture.js";
import { buildBatch } from "./helpers/record-batch.js";
import { TestClient } from "./helpers/test-client.js";

const EARLIEST = -2;
let b: RunningBroker | undefined;
let client: TestClient;

beforeAll(async () => {
  b = await startTestBroker(["auto.create.topics.enable=false"]);
  client = await TestClient.connect(b.broker.port);
});
afterAll(async () => {
  client?.close();
  await stopTestBroker(b);
});

async function createTopic(name: string, numPartitions: number, configs: Record<string, string> = {}): Promise<void> {
  const res = await client.send(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  expect(res.topics[0]!.errorCode).toBe(ErrorCode.NONE);
}

async function produce(topic: string, partition: number, count: number): Promise<void> {
  const records = buildBatch(Array.from({ length: count }, (_, i) => ({ key: `k${i % 3}`, value: `v${i}` })));
  const res = await client.send(ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
  expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
}

async function logStart(topic: string, partition: number): Promise<number> {
  const res = await client.send(ApiKey.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: EARLIEST }] }] });
  return res.topics[0]!.partitions[0]!.offset ?? -1;
}

function deleteRecords(topics: Array<{ name: string; partitions: Array<[number, number]> }>) {
  return client.send(ApiKey.DeleteRecords, 2, {
    topics: topics.map((t) => ({ name: t.name, partitions: t.partitions.map(([partitionIndex, offset]) => ({ partitionIndex, offset })) })),
    timeoutMs: 2000,
  });
}

describe("DeleteRecords", () => {
  it("answers each partition of one request on its own, and bad input changes nothing", async () => {
    await createTopic("trim-many", 3);
    for (const p of [0, 1, 2]) await produce("trim-many", p, 10);
    const res = await deleteRecords([
      { name: "trim-many", partitions: [[0, 4], [1, 11], [2, -1], [7, 1]] },
      { name: "no-such-topic", partitions: [[0, 1]] },
    ]);
    expect(res.topics).toEqual([
      {
        name: "trim-many",
        partitions: [
          { partitionIndex: 0, lowWatermark: 4, errorCode: ErrorCode.NONE },
          { partitionIndex: 1, lowWatermark: -1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE },
          { partitionIndex: 2, lowWatermark: 10, errorCode: ErrorCode.NONE }, // -1: up to the high watermark
          { partitionIndex: 7, lowWatermark: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
        ],
      },
      { name: "no-such-topic", partitions: [{ partitionIndex: 0, lowWatermark: -1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }] },
    ]);
    expect([await logStart("trim-many", 0), await logStart("trim-many", 1), await logStart("trim-many", 2)]).toEqual([4, 0, 10]);
    // Below the current log start: nothing to do, the answer is the log start.
    expect((await deleteRecords([{ name: "trim-many", partitions: [[0, 2]] }])).topics[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, lowWatermark: 4 });
    expect((await deleteRecords([{ name: "trim-many", partitions: [[0, -7]] }])).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(await logStart("trim-many", 0)).toBe(4);
  });

  it("refuses topics whose cleanup.policy does not include delete (POLICY_VIOLATION), as Kafka does", async () => {
    await createTopic("compacted", 1, { "cleanup.policy": "compact" });
    await createTopic("compacted-and-deleted", 1, { "cleanup.policy": "compact,delete" });
    await produce("compacted", 0, 5);
    await produce("compacted-and-deleted", 0, 5);
    const res = await deleteRecords([
      { name: "compacted", partitions: [[0, 3]] },
      { name: "compacted-and-deleted", partitions: [[0, 3]] },
    ]);
    expect(res.topics.map((t) => t.partitions[0])).toEqual([
      { partitionIndex: 0, lowWatermark: -1, errorCode: ErrorCode.POLICY_VIOLATION },
      { partitionIndex: 0, lowWatermark: 3, errorCode: ErrorCode.NONE },
    ]);
    expect(await logStart("compacted", 0)).toBe(0);
  });
});
