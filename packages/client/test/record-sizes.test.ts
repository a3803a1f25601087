import { describe, expect, it } from "vitest";
import { buildRecordBatch, Compression, InvalidRecordError, iterateRecords, RecordBatchView } from "@samsa/protocol";
import { recordSizes } from "../src/record-sizes.js";

const records = [
  { key: "k1", value: Buffer.alloc(300, 1), headers: [{ key: "h", value: "x" }] },
  { key: null, value: null },
  { key: Buffer.alloc(0), value: Buffer.alloc(70_000, 2) },
  { key: "key-four", value: "v" },
];

function expected(batch: RecordBatchView, from: number) {
  const kept = [...iterateRecords(batch)].filter((r) => r.offset >= from);
  return { records: kept.length, bytes: kept.reduce((n, r) => n + (r.key?.length ?? 0) + (r.value?.length ?? 0), 0) };
}

describe("recordSizes", () => {
  for (const compression of [Compression.none, Compression.gzip]) {
    it(`matches full decoding (compression ${compression}), also from an offset inside the batch`, () => {
      const batch = new RecordBatchView(buildRecordBatch({ records, timestamp: 1, baseOffset: 10, compression }));
      for (const from of [0, 10, 11, 12, 13, 14]) expect(recordSizes(batch, from)).toEqual(expected(batch, from));
    });
  }

  it("rejects a record whose lengths overrun the batch", () => {
    const bytes = buildRecordBatch({ records: [{ key: null, value: "abc" }], timestamp: 1 });
    const batch = new RecordBatchView(bytes);
    // The record length varint is the first byte after the 61-byte header; claim more than is there.
    bytes[61] = 0x7e;
    expect(() => recordSizes(batch, 0)).toThrow(InvalidRecordError);
  });
});
