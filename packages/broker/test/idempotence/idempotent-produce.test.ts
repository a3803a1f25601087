// InitProducerId and idempotent Produce on the wire, against an in-process
// broker: ids from durable blocks (never reused across a restart), epoch
// bumps, duplicates answered with the original offset and written once,
// out-of-order and stale-epoch batches refused with their error codes, the
// producer fields kept byte for byte, and the metrics.
import { ApiKey, ErrorCode } from "@samsa/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, stopTestBroker, type RunningBroker } from "../helpers/broker-fixture.js";
import { TestClient } from "../helpers/test-client.js";
import { createTopic, idempotentBatch, initProducerId, produce, produceWhenLed, readBatches } from "./wire-helpers.js";

let b: RunningBroker | undefined;
let client: TestClient;

beforeAll(async () => {
  b = await startTestBroker();
  client = await TestClient.connect(b.broker.port);
});
afterAll(async () => {
  client?.close();
  await stopTestBroker(b);
});

describe("InitProducerId", () => {
  it("is advertised as versions 0-4 and hands out distinct ids with epoch 0 at every version", async () => {
    const versions = await client.send(ApiKey.ApiVersions, 3, { clientSoftwareName: "test", clientSoftwareVersion: "1" });
    expect(versions.apiKeys.find((k) => k.apiKey === ApiKey.InitProducerId)).toMatchObject({ minVersion: 0, maxVersion: 4 });
    const granted = [];
    for (const version of [0, 1, 2, 3, 4]) {
      const res = await initProducerId(client, version);
      expect(res).toMatchObject({ errorCode: ErrorCode.NONE, producerEpoch: 0 });
      granted.push(res.producerId);
    }
    expect(new Set(granted).size).toBe(5);
  });

  it("bumps the epoch for the current (id, epoch) from v3 on and refuses half-set or transactional requests", async () => {
    const first = await initProducerId(client, 4);
    const bumped = await initProducerId(client, 4, first);
    expect(bumped).toMatchObject({ errorCode: ErrorCode.NONE, producerId: first.producerId, producerEpoch: 1 });
    const again = await initProducerId(client, 3, bumped);
    expect(again).toMatchObject({ producerId: first.producerId, producerEpoch: 2 });
    expect((await initProducerId(client, 4, { producerId: first.producerId, producerEpoch: -1 })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await initProducerId(client, 4, undefined, "my-transactional-id")).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});

describe("idempotent Produce", () => {
  it("answers a replayed batch with its original offset, writes it once and keeps the producer fields on disk and wire", async () => {
    const topic = "idem-replay";
    expect(await createTopic(client, topic)).toBe(ErrorCode.NONE);
    const { producerId, producerEpoch } = await initProducerId(client, 4);
    const sent = [
      idempotentBatch(producerId, producerEpoch, 0, ["a", "b"]),
      idempotentBatch(producerId, producerEpoch, 2, ["c"]),
      idempotentBatch(producerId, producerEpoch, 3, ["d", "e", "f"]),
    ];
    const offsets = [];
    for (const batch of sent) offsets.push((await produce(client, topic, Buffer.from(batch))).baseOffset);
    expect(offsets).toEqual([0, 2, 3]);
    // The same bytes again, as a client retrying after a lost answer would send them.
    const retry = await produce(client, topic, Buffer.from(sent[1]!));
    expect(retry).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 2 });
    const { highWatermark, batches } = await readBatches(client, topic);
    expect(highWatermark).toBe(6);
    expect(batches.map((x) => [x.baseOffset, x.producerId, x.producerEpoch, x.baseSequence, x.crcValid])).toEqual([
      [0, producerId, producerEpoch, 0, true],
      [2, producerId, producerEpoch, 2, true],
      [3, producerId, producerEpoch, 3, true],
    ]);
  });

  it("refuses a sequence gap with OUT_OF_ORDER_SEQUENCE_NUMBER and an old epoch with INVALID_PRODUCER_EPOCH, writing nothing", async () => {
    const topic = "idem-errors";
    expect(await createTopic(client, topic)).toBe(ErrorCode.NONE);
    const first = await initProducerId(client, 4);
    expect((await produce(client, topic, idempotentBatch(first.producerId, 0, 0, ["x"]))).errorCode).toBe(ErrorCode.NONE);
    const gap = await produce(client, topic, idempotentBatch(first.producerId, 0, 5, ["gap"]));
    expect(gap).toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1 });
    const bumped = await initProducerId(client, 4, first);
    expect((await produce(client, topic, idempotentBatch(first.producerId, bumped.producerEpoch, 0, ["new epoch"]))).baseOffset).toBe(1);
    const stale = await produce(client, topic, idempotentBatch(first.producerId, 0, 1, ["zombie"]));
    expect(stale.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await readBatches(client, topic)).highWatermark).toBe(2);
  });

  it("keeps the order of 5 pipelined batches on one connection and recognises a pipelined retry", async () => {
    const topic = "idem-pipelined";
    expect(await createTopic(client, topic)).toBe(ErrorCode.NONE);
    const { producerId } = await initProducerId(client, 4);
    const batches = [0, 1, 2, 3, 4].map((seq) => idempotentBatch(producerId, 0, seq, [`p${seq}`]));
    // All written to the socket before any answer arrives; the retry of seq 2 overtakes nothing.
    const answers = await Promise.all([...batches, batches[2]!, idempotentBatch(producerId, 0, 5, ["p5"])].map((batch) => produce(client, topic, Buffer.from(batch))));
    expect(answers.map((a) => [a.errorCode, a.baseOffset])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 3],
      [0, 4],
      [0, 2],
      [0, 5],
    ]);
    const { highWatermark, batches: stored } = await readBatches(client, topic);
    expect(highWatermark).toBe(6);
    expect(stored.map((x) => x.baseSequence)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("exports producer-state size and duplicate counts as metrics", async () => {
    const text = await b!.broker.metrics.registry.metrics();
    expect(text).toMatch(/kafka_log_log_produceridcount\{topic="idem-replay",partition="0"\} 1/);
    expect(text).toMatch(/samsa_producer_duplicate_batches_total\{topic="idem-replay"\} 1/);
    expect(text).toMatch(/samsa_producer_ids_issued_total \d+/);
  });

  it("keeps producer state and never reuses a producer id across a restart", async () => {
    const topic = "idem-restart";
    expect(await createTopic(client, topic)).toBe(ErrorCode.NONE);
    const before = await initProducerId(client, 4);
    const batch = idempotentBatch(before.producerId, 0, 0, ["kept"]);
    expect((await produce(client, topic, Buffer.from(batch))).baseOffset).toBe(0);
    client.close();
    const dir = b!.dir;
    await stopTestBroker(b, false);
    b = await startTestBroker([], dir);
    client = await TestClient.connect(b.broker.port);
    const after = await initProducerId(client, 4);
    expect(after.producerId).toBeGreaterThan(before.producerId);
    // The retry after the restart is still recognised.
    expect(await produceWhenLed(client, topic, batch)).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0 });
    expect((await readBatches(client, topic)).highWatermark).toBe(1);
  });
});
