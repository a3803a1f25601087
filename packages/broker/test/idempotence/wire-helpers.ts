import { ApiKey, ErrorCode, buildRecordBatch, splitBatches } from "@samsa/protocol";
import type { TestClient } from "../helpers/test-client.js";

/** Thin wrappers over the protocol codecs for the idempotence tests. */
export async function createTopic(client: TestClient, name: string, numPartitions = 1): Promise<number> {
  const res = await client.send(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  return res.topics[0]!.errorCode;
}

export function initProducerId(client: TestClient, version: number, current?: { producerId: number; producerEpoch: number }, transactionalId: string | null = null) {
  return client.send(ApiKey.InitProducerId, version, {
    transactionalId,
    transactionTimeoutMs: 60_000,
    producerId: current?.producerId ?? -1,
    producerEpoch: current?.producerEpoch ?? -1,
  });
}

export async function produce(client: TestClient, topic: string, records: Buffer, partition = 0) {
  const res = await client.send(ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
  return res.responses[0]!.partitionResponses[0]!;
}

/** Retries while the partition has no leader yet (just after a broker start), at most `timeoutMs`. */
export async function produceWhenLed(client: TestClient, topic: string, records: Buffer, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await produce(client, topic, Buffer.from(records));
    const notLedYet = answer.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER || answer.errorCode === ErrorCode.LEADER_NOT_AVAILABLE;
    if (!notLedYet || Date.now() > deadline) return answer;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function idempotentBatch(producerId: number, producerEpoch: number, baseSequence: number, values: readonly string[]): Buffer {
  return buildRecordBatch({ records: values.map((value) => ({ value })), producerId, producerEpoch, baseSequence, timestamp: Date.now() });
}

/** Every batch of the partition from offset 0, with its header fields and record values. */
export async function readBatches(client: TestClient, topic: string, partition = 0) {
  const res = await client.send(ApiKey.Fetch, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 50 * 1024 * 1024,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 10 << 20 }] }],
    forgottenTopicsData: [],
    rackId: "",
  });
  const p = res.responses[0]!.partitions[0]!;
  const bytes = p.records === null ? Buffer.alloc(0) : Array.isArray(p.records) ? Buffer.concat(p.records) : (p.records as Buffer);
  return {
    highWatermark: p.highWatermark,
    batches: splitBatches(bytes).map((b) => ({ baseOffset: b.baseOffset, lastOffsetDelta: b.lastOffsetDelta, producerId: b.producerId, producerEpoch: b.producerEpoch, baseSequence: b.baseSequence, crcValid: b.computeCrc() === b.crc })),
  };
}
