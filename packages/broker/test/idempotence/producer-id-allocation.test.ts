// Producer ids: blocks reserved durably so a restart never reuses an id, ids
// handed out from them without duplicates under concurrency, KIP-360 epoch
// bumps for the holder of the latest epoch.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LocalProducerIdAllocator, PRODUCER_ID_BLOCK_FILE, ProducerIdBlockFileError } from "../../src/producer-ids/local-producer-id-allocator.js";
import { MAX_PRODUCER_EPOCH, ProducerIdManager } from "../../src/producer-ids/producer-id-manager.js";
import type { ProducerIdAllocator, ProducerIdBlock } from "../../src/producer-ids/producer-id-allocator.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "samsa-pid-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("LocalProducerIdAllocator", () => {
  it("records each block before handing it out and continues after the last one when reopened", async () => {
    const dir = tempDir();
    const first = await LocalProducerIdAllocator.open({ dir, nodeId: 1 });
    expect(await first.nextBlock()).toEqual({ firstProducerId: 0, size: 1000 });
    expect(JSON.parse(readFileSync(join(dir, PRODUCER_ID_BLOCK_FILE), "utf8"))).toEqual({ version: 1, nodeId: 1, blockStart: 0, blockEnd: 999 });
    expect(await first.nextBlock()).toEqual({ firstProducerId: 1000, size: 1000 });
    // A restart (the ids of the second block may have been handed out) starts after it.
    const reopened = await LocalProducerIdAllocator.open({ dir, nodeId: 1 });
    expect(await reopened.nextBlock()).toEqual({ firstProducerId: 2000, size: 1000 });
  });

  it("refuses to start on a damaged block file instead of risking a reused id", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, PRODUCER_ID_BLOCK_FILE), "{not json");
    await expect(LocalProducerIdAllocator.open({ dir, nodeId: 1 })).rejects.toBeInstanceOf(ProducerIdBlockFileError);
    writeFileSync(join(dir, PRODUCER_ID_BLOCK_FILE), JSON.stringify({ version: 1, nodeId: 1, blockStart: 5, blockEnd: 2 }));
    await expect(LocalProducerIdAllocator.open({ dir, nodeId: 1 })).rejects.toThrow(/producer id block/);
  });
});

/** Blocks of 3 ids, counting reservations; each reservation waits a tick so callers overlap. */
class SmallBlocks implements ProducerIdAllocator {
  reservations = 0;
  private next = 100;
  async nextBlock(): Promise<ProducerIdBlock> {
    this.reservations += 1;
    await new Promise((r) => setTimeout(r, 5));
    const block = { firstProducerId: this.next, size: 3 };
    this.next += 3;
    return block;
  }
}

describe("ProducerIdManager", () => {
  it("hands out every id of a block once, also to concurrent callers, reserving one block at a time", async () => {
    const allocator = new SmallBlocks();
    const manager = new ProducerIdManager(allocator);
    const granted = await Promise.all(Array.from({ length: 10 }, () => manager.initProducerId()));
    const ids = granted.map((g) => g.producerId).sort((a, b) => a - b);
    expect(ids).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
    expect(granted.every((g) => g.producerEpoch === 0)).toBe(true);
    expect(allocator.reservations).toBe(4);
    expect(manager.issuedCount).toBe(10);
  });

  it("bumps the epoch for the holder of the latest epoch and gives anyone else a fresh id", async () => {
    const manager = new ProducerIdManager(new SmallBlocks());
    const a = await manager.initProducerId();
    expect(await manager.initProducerId(a)).toEqual({ producerId: a.producerId, producerEpoch: 1 });
    // The old epoch is stale now: a fresh id, not a second epoch 1.
    const stale = await manager.initProducerId(a);
    expect(stale.producerId).not.toBe(a.producerId);
    expect(stale.producerEpoch).toBe(0);
    // An id this broker never handed out (or forgot) also gets a fresh id.
    expect((await manager.initProducerId({ producerId: 99_999, producerEpoch: 4 })).producerEpoch).toBe(0);
  });

  it("moves to a new id when the epoch is exhausted and forgets the oldest producers past its bound", async () => {
    const manager = new ProducerIdManager(new SmallBlocks(), 2);
    let holder = await manager.initProducerId();
    for (let i = 0; i < MAX_PRODUCER_EPOCH - 1; i++) holder = await manager.initProducerId(holder);
    expect(holder.producerEpoch).toBe(MAX_PRODUCER_EPOCH - 1);
    const next = await manager.initProducerId(holder);
    expect(next).toMatchObject({ producerEpoch: 0 });
    expect(next.producerId).not.toBe(holder.producerId);
    const b = await manager.initProducerId();
    await manager.initProducerId();
    // Only two producers are remembered: `b` is, `next` was forgotten.
    expect(await manager.initProducerId(b)).toEqual({ producerId: b.producerId, producerEpoch: 1 });
    expect((await manager.initProducerId(next)).producerEpoch).toBe(0);
  });
});
