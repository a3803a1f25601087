// The idempotent-producer rules of the partition log, as Kafka's
// ProducerStateEntry / ProducerAppendInfo apply them to client appends.
import { describe, expect, it } from "vitest";
import { InvalidProducerEpochError, OutOfOrderSequenceError, type PartitionLog } from "@samsa/storage";
import { FaultyFileSystem } from "./helpers/faulty-fs.js";
import { openLog, testConfig } from "./helpers/harness.js";
import { idempotentBatch, plainBatch } from "./helpers/idempotent-batches.js";

const INT32_MAX = 0x7fffffff;
const PID = 1000;

async function freshLog(overrides = {}): Promise<PartitionLog> {
  return openLog(new FaultyFileSystem(), testConfig(overrides));
}

describe("idempotent producer state on the leader", () => {
  it("answers a retry of any of the last 5 batches with its original offsets and writes nothing", async () => {
    const log = await freshLog();
    const firstOffsets: number[] = [];
    for (let i = 0; i < 6; i++) firstOffsets.push((await log.appendAsLeader(idempotentBatch(PID, 0, i * 2, 2), 0)).firstOffset);
    expect(firstOffsets).toEqual([0, 2, 4, 6, 8, 10]);
    const end = log.logEndOffset;
    const size = log.sizeBytes;
    for (let i = 1; i < 6; i++) {
      const retry = await log.appendAsLeader(idempotentBatch(PID, 0, i * 2, 2), 0);
      expect(retry).toMatchObject({ firstOffset: firstOffsets[i], lastOffset: firstOffsets[i]! + 1, duplicate: true, recordCount: 0, bytes: 0 });
    }
    expect(log.logEndOffset).toBe(end);
    expect(log.sizeBytes).toBe(size);
    expect(log.producerStateStats()).toEqual({ producerIds: 1, duplicateBatches: 5 });
    // The sixth-newest batch is forgotten: its retry is out of order, not a duplicate.
    await expect(log.appendAsLeader(idempotentBatch(PID, 0, 0, 2), 0)).rejects.toBeInstanceOf(OutOfOrderSequenceError);
    expect(log.logEndOffset).toBe(end);
  });

  it("rejects a sequence gap with OUT_OF_ORDER_SEQUENCE_NUMBER and accepts the next sequence afterwards", async () => {
    const log = await freshLog();
    await log.appendAsLeader(idempotentBatch(PID, 0, 0, 3), 0);
    await expect(log.appendAsLeader(idempotentBatch(PID, 0, 4, 1), 0)).rejects.toMatchObject({ errorCode: 45 });
    // A batch overlapping the last one without repeating it exactly is out of order too.
    await expect(log.appendAsLeader(idempotentBatch(PID, 0, 1, 3), 0)).rejects.toMatchObject({ errorCode: 45 });
    expect(log.logEndOffset).toBe(3);
    expect(await log.appendAsLeader(idempotentBatch(PID, 0, 3, 1), 0)).toMatchObject({ firstOffset: 3 });
  });

  it("fences older epochs with INVALID_PRODUCER_EPOCH; a new epoch must start at sequence 0", async () => {
    const log = await freshLog();
    await log.appendAsLeader(idempotentBatch(PID, 3, 0, 1), 0);
    await log.appendAsLeader(idempotentBatch(PID, 3, 1, 1), 0);
    await expect(log.appendAsLeader(idempotentBatch(PID, 2, 2, 1), 0)).rejects.toBeInstanceOf(InvalidProducerEpochError);
    await expect(log.appendAsLeader(idempotentBatch(PID, 2, 2, 1), 0)).rejects.toMatchObject({ errorCode: 47 });
    await expect(log.appendAsLeader(idempotentBatch(PID, 4, 5, 1), 0)).rejects.toMatchObject({ errorCode: 45 });
    expect(await log.appendAsLeader(idempotentBatch(PID, 4, 0, 1), 0)).toMatchObject({ firstOffset: 2 });
    // The old epoch's batches are forgotten with it: their retry is fenced, not a duplicate.
    await expect(log.appendAsLeader(idempotentBatch(PID, 3, 1, 1), 0)).rejects.toMatchObject({ errorCode: 47 });
    expect(log.producerEntry(PID)).toMatchObject({ producerEpoch: 4, lastSequence: 0 });
  });

  it("lets a producer unknown to the partition start at any sequence, then holds it to that sequence", async () => {
    const log = await freshLog();
    expect(await log.appendAsLeader(idempotentBatch(PID, 7, 42, 2), 0)).toMatchObject({ firstOffset: 0 });
    await expect(log.appendAsLeader(idempotentBatch(PID, 7, 45, 1), 0)).rejects.toMatchObject({ errorCode: 45 });
    expect(await log.appendAsLeader(idempotentBatch(PID, 7, 44, 1), 0)).toMatchObject({ firstOffset: 2 });
    // Other producers are independent.
    expect(await log.appendAsLeader(idempotentBatch(PID + 1, 0, 0, 1), 0)).toMatchObject({ firstOffset: 3 });
    expect(log.producerStateStats().producerIds).toBe(2);
  });

  it("wraps sequences at INT32_MAX", async () => {
    const log = await freshLog();
    await log.appendAsLeader(idempotentBatch(PID, 0, INT32_MAX - 1, 1), 0);
    // INT32_MAX, 0, 1: the batch's last sequence wraps.
    expect(await log.appendAsLeader(idempotentBatch(PID, 0, INT32_MAX, 3), 0)).toMatchObject({ firstOffset: 1, lastOffset: 3 });
    expect(log.producerEntry(PID)?.lastSequence).toBe(1);
    expect(await log.appendAsLeader(idempotentBatch(PID, 0, INT32_MAX, 3), 0)).toMatchObject({ firstOffset: 1, duplicate: true });
    expect(await log.appendAsLeader(idempotentBatch(PID, 0, 2, 1), 0)).toMatchObject({ firstOffset: 4 });
    await log.appendAsLeader(idempotentBatch(PID + 1, 0, INT32_MAX, 1), 0);
    expect(await log.appendAsLeader(idempotentBatch(PID + 1, 0, 0, 1), 0)).toMatchObject({ firstOffset: 6 });
  });

  it("never checks batches without a producer id", async () => {
    const log = await freshLog();
    await log.appendAsLeader(plainBatch(2), 0);
    expect(await log.appendAsLeader(plainBatch(2), 0)).toMatchObject({ firstOffset: 2 });
    expect(log.producerStateStats().producerIds).toBe(0);
  });

  it("checks several batches of one append in order and refuses the whole append on a gap", async () => {
    const log = await freshLog();
    const ok = await log.appendAsLeader(Buffer.concat([idempotentBatch(PID, 0, 0, 2), idempotentBatch(PID, 0, 2, 2)]), 0);
    expect(ok).toMatchObject({ firstOffset: 0, lastOffset: 3, batchCount: 2 });
    await expect(log.appendAsLeader(Buffer.concat([idempotentBatch(PID, 0, 4, 1), idempotentBatch(PID, 0, 6, 1)]), 0)).rejects.toMatchObject({ errorCode: 45 });
    expect(log.logEndOffset).toBe(4);
    expect(log.producerEntry(PID)?.batches.map((b) => [b.firstSequence, b.lastSequence, b.firstOffset, b.lastOffset])).toEqual([
      [0, 1, 0, 1],
      [2, 3, 2, 3],
    ]);
  });

  it("recognises a retry queued behind its still-unacknowledged original (same write group)", async () => {
    const log = await freshLog();
    // Five in flight, then retries of two of them, all before any completes.
    const sends = [0, 1, 2, 3, 4].map((i) => log.appendAsLeader(idempotentBatch(PID, 0, i, 1), 0));
    const retries = [1, 3].map((i) => log.appendAsLeader(idempotentBatch(PID, 0, i, 1), 0));
    const results = await Promise.all([...sends, ...retries]);
    expect(results.map((r) => r.firstOffset)).toEqual([0, 1, 2, 3, 4, 1, 3]);
    expect(results.slice(5).every((r) => r.duplicate === true)).toBe(true);
    expect(log.logEndOffset).toBe(5);
    // The duplicate answers only once the original is durable.
    expect(log.flushedOffset).toBe(5);
  });

  it("answers a duplicate under LogAppendTime with the original's append time", async () => {
    const log = await freshLog({ messageTimestampType: "LogAppendTime" });
    const first = await log.appendAsLeader(idempotentBatch(PID, 0, 0, 1), 0);
    const retry = await log.appendAsLeader(idempotentBatch(PID, 0, 0, 1), 0);
    expect(first.logAppendTimeMs).toBeGreaterThan(0);
    expect(retry).toMatchObject({ firstOffset: 0, logAppendTimeMs: first.logAppendTimeMs, duplicate: true });
  });

  it("builds the same state on a follower without checking, so a new leader recognises retries", async () => {
    const leader = await freshLog();
    await leader.appendAsLeader(idempotentBatch(PID, 0, 0, 2), 3);
    await leader.appendAsLeader(idempotentBatch(PID, 0, 2, 2), 3);
    const follower = await freshLog();
    await follower.appendAsFollower((await leader.read(0, 1 << 20)).records);
    expect(follower.producerEntry(PID)).toEqual(leader.producerEntry(PID));
    // The follower becomes leader; the producer retries the batch whose answer it lost.
    expect(await follower.appendAsLeader(idempotentBatch(PID, 0, 2, 2), 4)).toMatchObject({ firstOffset: 2, lastOffset: 3, duplicate: true });
    expect(await follower.appendAsLeader(idempotentBatch(PID, 0, 4, 1), 4)).toMatchObject({ firstOffset: 4 });
  });
});
