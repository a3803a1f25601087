import { describe, expect, it } from "vitest";
import { ReadBufferPool } from "@samsa/storage";
import { SerialExecutor } from "../src/serial-executor.js";
import { sizedBatch, splitBatches } from "./helpers/batches.js";
import { FaultyFileSystem } from "./helpers/faulty-fs.js";
import { openLog, testConfig } from "./helpers/harness.js";

describe("ReadBufferPool", () => {
  it("reuses a released buffer, and only once however often it is released", () => {
    const pool = new ReadBufferPool(1000, 2, 100);
    const a = pool.acquire(500);
    expect(a.buffer.length).toBe(500);
    a.release();
    a.release();
    expect(pool.freeBuffers).toBe(1);
    const b = pool.acquire(800);
    const c = pool.acquire(800);
    expect(b.buffer.buffer).toBe(a.buffer.buffer);
    expect(c.buffer.buffer).not.toBe(b.buffer.buffer);
  });

  it("keeps at most maxFreeBuffers, and serves tiny or oversized reads from buffers of their own", () => {
    const pool = new ReadBufferPool(1000, 1, 100);
    const leases = [pool.acquire(200), pool.acquire(200), pool.acquire(200)];
    for (const l of leases) l.release();
    expect(pool.freeBuffers).toBe(1);
    const small = pool.acquire(50);
    const large = pool.acquire(1001);
    small.release();
    large.release();
    expect(small.buffer.length).toBe(50);
    expect(large.buffer.length).toBe(1001);
    expect(pool.freeBuffers).toBe(1);
    expect(() => new ReadBufferPool(10, 1, 11)).toThrow(/invalid read buffer pool/);
  });
});

describe("PartitionLog reads with a buffer pool", () => {
  it("serves correct bytes from reused buffers and never overwrites a read that was not released", async () => {
    const fs = new FaultyFileSystem();
    const pool = new ReadBufferPool(4096, 2, 0);
    const log = await openLog(fs, testConfig(), { cleanShutdown: false }, undefined, undefined, pool);
    const written: Buffer[] = [];
    for (let i = 0; i < 6; i++) {
      const batch = sizedBatch(1, 300, i);
      await log.appendAsLeader(batch, 0);
      written.push(Buffer.from(batch));
    }
    const first = await log.read(0, 400);
    const kept = Buffer.from(first.records);
    expect(first.release).toBeTypeOf("function");
    // Not released: the next reads must get other buffers.
    const second = await log.read(1, 400);
    expect(second.records.buffer).not.toBe(first.records.buffer);
    second.release!();
    const third = await log.read(2, 400);
    expect(third.records.buffer).toBe(second.records.buffer);
    expect(first.records.equals(kept)).toBe(true);
    expect(splitBatches(third.records).map((b) => [b.baseOffset, b.crcValid])).toEqual([[2, true]]);
    expect(third.records.equals(written[2]!)).toBe(true);
    third.release!();
    // A read spanning several batches through a reused buffer.
    const all = await log.read(0, 4000);
    expect(all.records.equals(Buffer.concat(written))).toBe(true);
  });
});

describe("SerialExecutor.runNowIfIdle", () => {
  it("starts at once when idle and queues behind running work otherwise, in order", async () => {
    const serial = new SerialExecutor();
    const events: string[] = [];
    let releaseFirst!: () => void;
    const first = serial.runNowIfIdle(async () => {
      events.push("first started");
      await new Promise<void>((resolve) => (releaseFirst = resolve));
      events.push("first done");
    });
    expect(events).toEqual(["first started"]);
    const second = serial.runNowIfIdle(async () => {
      events.push("second");
    });
    const third = serial.run(async () => {
      events.push("third");
    });
    await Promise.resolve();
    expect(events).toEqual(["first started"]);
    releaseFirst();
    await Promise.all([first, second, third]);
    expect(events).toEqual(["first started", "first done", "second", "third"]);
    // A synchronous throw becomes a rejection and does not wedge the executor.
    await expect(
      serial.runNowIfIdle(() => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    await expect(serial.run(async () => 7)).resolves.toBe(7);
  });
});
