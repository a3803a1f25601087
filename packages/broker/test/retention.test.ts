// Background log maintenance in a running broker: time retention deletes
// whole old segments (never the active one) on log.retention.check.interval.ms,
// and the log start moves for clients.
import { ApiKey, ErrorCode } from "@samsa/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, stopTestBroker, type RunningBroker } from "./helpers/broker-fixture.js";
import { buildBatch } from "./helpers/record-batch.js";
import { TestClient } from "./helpers/test-client.js";

const EARLIEST = -2;
const LATEST = -1;
const RETENTION_MS = 1_000;
const SEGMENT_MS = 100;
const WAIT_TIMEOUT_MS = 10_000;
const POLL_MS = 50;
let b: RunningBroker | undefined;
let client: TestClient;

beforeAll(async () => {
  b = await startTestBroker(["auto.create.topics.enable=false", "log.retention.check.interval.ms=100", "log.segment.delete.delay.ms=0"]);
  client = await TestClient.connect(b.broker.port);
});
afterAll(async () => {
  client?.close();
  await stopTestBroker(b);
});

async function produce(topic: string, count: number, timestampMs: number): Promise<number> {
  const records = buildBatch(Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `v${i}` })), timestampMs);
  const res = await client.send(ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
  const answer = res.responses[0]!.partitionResponses[0]!;
  expect(answer.errorCode).toBe(ErrorCode.NONE);
  return Number(answer.baseOffset);
}

async function listOffset(topic: string, timestamp: number): Promise<number> {
  const res = await client.send(ApiKey.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }] }] });
  return Number(res.topics[0]!.partitions[0]!.offset ?? -1);
}

describe("retention in a running broker", () => {
  it("deletes segments older than retention.ms in the background; the active segment stays", async () => {
    const topic = "retained";
    const res = await client.send(ApiKey.CreateTopics, 7, {
      topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: "retention.ms", value: String(RETENTION_MS) }, { name: "segment.ms", value: String(SEGMENT_MS) }] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(res.topics[0]!.errorCode).toBe(ErrorCode.NONE);
    // Records stamped well in the past expire at once; each produce after segment.ms rolls the segment.
    const old = Date.now() - 10 * RETENTION_MS;
    await produce(topic, 5, old);
    await new Promise((r) => setTimeout(r, SEGMENT_MS + 20));
    await produce(topic, 5, old);
    await new Promise((r) => setTimeout(r, SEGMENT_MS + 20));
    const fresh = await produce(topic, 5, Date.now());
    expect(fresh).toBe(10);

    const deadline = Date.now() + WAIT_TIMEOUT_MS;
    let earliest = await listOffset(topic, EARLIEST);
    while (earliest < fresh && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      earliest = await listOffset(topic, EARLIEST);
    }
    // Both old segments went; the fresh records (in the active segment) stay.
    expect(earliest).toBe(fresh);
    expect(await listOffset(topic, LATEST)).toBe(15);
    const fetched = await client.send(ApiKey.Fetch, 12, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: "",
    });
    expect(fetched.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  });
});
