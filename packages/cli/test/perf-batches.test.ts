import { describe, expect, it } from "vitest";
import { iterateBatches, iterateRecords } from "@samsa/protocol";
import { PerfBatchPool } from "../src/commands/perf-batches.js";

describe("PerfBatchPool", () => {
  it("re-sends a returned batch re-dated, with a valid CRC and the same records", () => {
    const payload = Buffer.from("0123456789");
    const pool = new PerfBatchPool(payload, 0);
    const first = pool.take(3, 1_000);
    pool.give(3, first);
    const again = pool.take(3, 5_000);
    expect(again).toBe(first);
    const [batch] = [...iterateBatches(again)];
    expect(batch!.baseTimestamp).toBe(5_000);
    const records = [...iterateRecords(batch!)];
    expect(records.map((r) => [r.timestamp, r.value?.toString()])).toEqual([
      [5_000, "0123456789"],
      [5_000, "0123456789"],
      [5_000, "0123456789"],
    ]);
  });

  it("never hands out a batch that has not been given back", () => {
    const pool = new PerfBatchPool(Buffer.from("x"), 0);
    const a = pool.take(2, 1);
    const b = pool.take(2, 2);
    expect(b).not.toBe(a);
    // A different size is a different batch.
    pool.give(2, a);
    expect(pool.take(1, 3)).not.toBe(a);
  });
});
