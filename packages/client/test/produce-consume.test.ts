import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Admin, Consumer, encodeBatch, KafkaClient, partitionForKey, Producer, type ConsumedRecord } from "@samsa/client";
import { startTestBroker } from "./broker-harness.js";

let harness: Awaited<ReturnType<typeof startTestBroker>>;
let client: KafkaClient;
let admin: Admin;

beforeAll(async () => {
  harness = await startTestBroker();
  client = new KafkaClient({ bootstrapServers: harness.bootstrap, requestTimeoutMs: 10_000 });
  admin = new Admin(client, { timeoutMs: 10_000 });
});

afterAll(async () => {
  await client?.close();
  await harness?.close();
});

async function readAll(topic: string, expected: number, options: { timeoutMs?: number } = {}): Promise<ConsumedRecord[]> {
  const consumer = new Consumer(client, { maxWaitMs: 100 });
  await consumer.assign(topic, undefined, "earliest");
  const out: ConsumedRecord[] = [];
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while (out.length < expected && Date.now() < deadline) out.push(...(await consumer.poll()));
  return out;
}

const text = (b: Buffer | null) => (b === null ? null : b.toString());

describe("Producer and Consumer against an in-process broker", () => {
  it("round-trips keys, values, headers and timestamps, placing keys like Kafka clients do", async () => {
    await admin.createTopics([{ name: "pc-keys", numPartitions: 4 }]);
    const producer = new Producer(client, { acks: -1, lingerMs: 2 });
    const sent = await producer.sendAll(
      Array.from({ length: 40 }, (_, i) => ({
        topic: "pc-keys",
        key: `key-${i % 10}`,
        value: `value-${i}`,
        headers: [{ key: "i", value: String(i) }, { key: "nothing", value: null }],
        timestamp: 1_700_000_000_000 + i,
      })),
    );
    for (let i = 0; i < 40; i++) expect(sent[i]!.partition).toBe(partitionForKey(Buffer.from(`key-${i % 10}`), 4));

    const received = await readAll("pc-keys", 40);
    expect(received).toHaveLength(40);
    const byValue = new Map(received.map((r) => [text(r.value), r]));
    for (let i = 0; i < 40; i++) {
      const r = byValue.get(`value-${i}`)!;
      expect(r.partition).toBe(sent[i]!.partition);
      expect(r.offset).toBe(sent[i]!.offset);
      expect(text(r.key)).toBe(`key-${i % 10}`);
      expect(r.timestamp).toBe(1_700_000_000_000 + i);
      expect(r.headers.map((h) => [h.key, text(h.value)])).toEqual([["i", String(i)], ["nothing", null]]);
    }
    // Offsets within a partition are dense and in send order.
    for (let p = 0; p < 4; p++) {
      const offsets = sent.filter((m) => m.partition === p).map((m) => m.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
  });

  for (const compression of ["gzip", "snappy", "lz4", "zstd"] as const) {
    it(`produces and consumes ${compression}-compressed batches`, async () => {
      const topic = `pc-${compression}`;
      await admin.createTopics([{ name: topic, numPartitions: 1 }]);
      const producer = new Producer(client, { acks: 1, compression });
      await producer.sendAll(Array.from({ length: 50 }, (_, i) => ({ topic, key: null, value: `${compression}-${i}`.repeat(20) })));
      const received = await readAll(topic, 50);
      expect(received.map((r) => text(r.value))).toEqual(Array.from({ length: 50 }, (_, i) => `${compression}-${i}`.repeat(20)));
    });
  }

  it("spreads null-key records over partitions and honours an explicit partition", async () => {
    await admin.createTopics([{ name: "pc-spread", numPartitions: 3 }]);
    const producer = new Producer(client, { acks: 1 });
    const spread = await producer.sendAll(Array.from({ length: 6 }, (_, i) => ({ topic: "pc-spread", value: `v${i}` })));
    expect(new Set(spread.map((m) => m.partition))).toEqual(new Set([0, 1, 2]));
    const pinned = await producer.send({ topic: "pc-spread", key: "whatever", value: "x", partition: 2 });
    expect(pinned.partition).toBe(2);
  });

  it("fails sends to a topic that does not exist with UNKNOWN_TOPIC_OR_PARTITION", async () => {
    const producer = new Producer(client, { acks: 1 });
    await expect(producer.send({ topic: "pc-missing", value: "x" })).rejects.toMatchObject({ errorName: "UNKNOWN_TOPIC_OR_PARTITION" });
  });

  it("resolves acks=0 sends without offsets and the records still arrive", async () => {
    await admin.createTopics([{ name: "pc-acks0", numPartitions: 1 }]);
    const producer = new Producer(client, { acks: 0 });
    const sent = await producer.sendAll([{ topic: "pc-acks0", value: "a" }, { topic: "pc-acks0", value: "b" }]);
    expect(sent.map((m) => m.offset)).toEqual([-1, -1]);
    expect((await readAll("pc-acks0", 2)).map((r) => text(r.value))).toEqual(["a", "b"]);
  });

  it("lists offsets, deletes records and resets an out-of-range position", async () => {
    await admin.createTopics([{ name: "pc-offsets", numPartitions: 1 }]);
    const producer = new Producer(client, { acks: -1 });
    const base = Date.now() - 60_000;
    // One batch: the timestamp lookup must find the record inside it, not the batch.
    await producer.sendAll(Array.from({ length: 10 }, (_, i) => ({ topic: "pc-offsets", value: `v${i}`, timestamp: base + i * 1000 })));
    expect(await admin.listOffsets("pc-offsets", "earliest")).toEqual([{ partition: 0, offset: 0, timestamp: -1 }]);
    expect((await admin.listOffsets("pc-offsets", "latest"))[0]!.offset).toBe(10);
    expect((await admin.listOffsets("pc-offsets", { timestamp: base + 4500 }))[0]).toMatchObject({ offset: 5, timestamp: base + 5000 });

    expect(await admin.deleteRecords("pc-offsets", [{ partition: 0, offset: 4 }])).toEqual([{ partition: 0, lowWatermark: 4 }]);
    expect((await admin.listOffsets("pc-offsets", "earliest"))[0]!.offset).toBe(4);

    const consumer = new Consumer(client, { maxWaitMs: 50, autoOffsetReset: "earliest" });
    await consumer.assign("pc-offsets", [{ partition: 0, offset: 1 }]);
    const got: ConsumedRecord[] = [];
    for (let i = 0; i < 20 && got.length < 6; i++) got.push(...(await consumer.poll()));
    expect(got.map((r) => r.offset)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(consumer.caughtUp).toBe(true);
  });

  it("sends a hand-built batch with produceRawBatch and reads it back", async () => {
    await admin.createTopics([{ name: "pc-raw", numPartitions: 1 }]);
    const producer = new Producer(client, { acks: 1 });
    const batch = encodeBatch([
      { key: Buffer.from("k"), value: Buffer.from("raw-1"), headers: [], timestamp: 1000 },
      { key: null, value: Buffer.from("raw-2"), headers: [], timestamp: 1001 },
    ]);
    const first = await producer.produceRawBatch("pc-raw", 0, batch);
    const second = await producer.produceRawBatch("pc-raw", 0, batch);
    expect([first.baseOffset, second.baseOffset]).toEqual([0, 2]);
    expect((await readAll("pc-raw", 4)).map((r) => [r.offset, text(r.value)])).toEqual([
      [0, "raw-1"],
      [1, "raw-2"],
      [2, "raw-1"],
      [3, "raw-2"],
    ]);
  });

  it("closes a partition's batch at batchSizeBytes and keeps offsets in send order", async () => {
    await admin.createTopics([{ name: "pc-batches", numPartitions: 1 }]);
    const { broker } = await client.partitionLeader("pc-batches", 0);
    const conn = await client.connectionTo(broker.nodeId);
    const calls = vi.spyOn(conn, "call");
    const producer = new Producer(client, { acks: 1, batchSizeBytes: 1_000, maxBufferedBytes: 3_000, lingerMs: 1_000 });
    const sent = await producer.sendAll(Array.from({ length: 60 }, (_, i) => ({ topic: "pc-batches", value: `${i}`.padEnd(200, ".") })));
    expect(sent.map((m) => m.offset)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    // ~4 records of ~230 estimated bytes fill a 1000-byte batch; a 1 s linger never fires first.
    const produceCalls = calls.mock.calls.filter(([spec]) => spec.name === "Produce").length;
    expect(produceCalls).toBeGreaterThanOrEqual(12);
    expect(produceCalls).toBeLessThanOrEqual(20);
    calls.mockRestore();
  });

  it("long-polls: an empty fetch waits about maxWaitMs", async () => {
    await admin.createTopics([{ name: "pc-poll", numPartitions: 1 }]);
    const consumer = new Consumer(client, { maxWaitMs: 300 });
    await consumer.assign("pc-poll", undefined, "latest");
    const started = Date.now();
    expect(await consumer.poll()).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });
});
