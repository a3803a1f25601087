import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Admin, Consumer, KafkaClient, Producer, recordSizes, type ConsumedRecord } from "@samsa/client";
import { startTestBroker } from "./broker-harness.js";

let harness: Awaited<ReturnType<typeof startTestBroker>>;
let client: KafkaClient;

beforeAll(async () => {
  harness = await startTestBroker();
  client = new KafkaClient({ bootstrapServers: harness.bootstrap, requestTimeoutMs: 10_000 });
  await new Admin(client, { timeoutMs: 10_000 }).createTopics([{ name: "ahead", numPartitions: 1 }]);
  const producer = new Producer(client, { acks: 1 });
  // Ten batches of ten records, so small fetches take several rounds.
  for (let b = 0; b < 10; b++) {
    await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic: "ahead", partition: 0, value: `v${b * 10 + i}` })));
    await producer.flush();
  }
});

afterAll(async () => {
  await client?.close();
  await harness?.close();
});

async function pollUntil(consumer: Consumer, count: number): Promise<ConsumedRecord[]> {
  const out: ConsumedRecord[] = [];
  for (let rounds = 0; out.length < count && rounds < 100; rounds++) out.push(...(await consumer.poll()));
  return out;
}

describe("Consumer with fetchAhead", () => {
  it("delivers every record once, in order, while fetching the next round early", async () => {
    const consumer = new Consumer(client, { maxWaitMs: 50, partitionMaxBytes: 300, fetchAhead: true });
    await consumer.assign("ahead", [{ partition: 0, offset: 0 }]);
    const first = await consumer.poll();
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(100);
    // Positions count handed-out records only, though the next fetch is already out.
    expect(consumer.assignment()[0]!.offset).toBe(first[first.length - 1]!.offset + 1);
    const rest = await pollUntil(consumer, 100 - first.length);
    expect([...first, ...rest].map((r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(consumer.caughtUp).toBe(true);
  });

  it("drops what was fetched ahead when the caller seeks", async () => {
    const consumer = new Consumer(client, { maxWaitMs: 50, partitionMaxBytes: 300, fetchAhead: true });
    await consumer.assign("ahead", [{ partition: 0, offset: 0 }]);
    await consumer.poll();
    consumer.seek("ahead", 0, 42);
    const after = await consumer.poll();
    expect(after[0]!.offset).toBe(42);
    expect(after[0]!.value?.toString()).toBe("v42");
  });

  it("pollBatches hands out whole batches once each and advances like poll", async () => {
    const consumer = new Consumer(client, { maxWaitMs: 50, partitionMaxBytes: 300, fetchAhead: true });
    await consumer.assign("ahead", [{ partition: 0, offset: 35 }]);
    let records = 0;
    let bytes = 0;
    const firstOffsets: number[] = [];
    for (let rounds = 0; records < 65 && rounds < 100; rounds++) {
      for (const { batches, fetchOffset } of await consumer.pollBatches()) {
        for (const batch of batches) {
          firstOffsets.push(batch.baseOffset);
          const sizes = recordSizes(batch, fetchOffset);
          records += sizes.records;
          bytes += sizes.bytes;
        }
      }
    }
    // Offset 35 is inside the batch at 30: its first five records are not counted.
    expect(firstOffsets).toEqual([30, 40, 50, 60, 70, 80, 90]);
    expect(records).toBe(65);
    expect(bytes).toBe(65 * 3);
    expect(consumer.assignment()[0]!.offset).toBe(100);
  });
});
