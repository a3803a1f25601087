import { describe, expect, it } from "vitest";
import { iterateBatches, iterateRecords } from "@samsa/protocol";
import { encodeBatch, nextFetchOffset, restampBatch } from "../src/batch-codec.js";

describe("restampBatch", () => {
  it("re-dates a batch in place and keeps it valid", () => {
    const records = [0, 5].map((delta) => ({ key: null, value: Buffer.from("v"), headers: [], timestamp: 1_000 + delta }));
    const batch = encodeBatch(records);
    restampBatch(batch, 2_000);
    const [view] = [...iterateBatches(batch)]; // checks the CRC
    expect(view!.baseTimestamp).toBe(2_000);
    expect(view!.maxTimestamp).toBe(2_005);
    expect([...iterateRecords(view!)].map((r) => r.timestamp)).toEqual([2_000, 2_005]);
  });
});

describe("nextFetchOffset", () => {
  it("gives the offset after the last complete batch, ignoring a cut-off tail", () => {
    const one = encodeBatch([{ key: null, value: Buffer.from("a"), headers: [], timestamp: 1 }]);
    const three = encodeBatch([1, 2, 3].map(() => ({ key: null, value: Buffer.from("b"), headers: [], timestamp: 1 })));
    three.writeBigInt64BE(1n, 0); // base offset 1: follows the first batch
    const both = Buffer.concat([one, three]);
    expect(nextFetchOffset(both, 0)).toBe(4);
    expect(nextFetchOffset(both.subarray(0, both.length - 5), 0)).toBe(1);
    expect(nextFetchOffset(Buffer.alloc(0), 7)).toBe(7);
  });
});
