import { describe, expect, it } from "vitest";
import {
  BATCH_HEADER_BYTES,
  buildControlBatch,
  buildRecordBatch,
  Compression,
  ControlRecordType,
  controlRecordType,
  CorruptRecordError,
  crc32c,
  incrementSequence,
  InvalidRecordError,
  iterateBatches,
  readRecords,
  RecordBatchView,
  RecordListTooLargeError,
  RecordTooLargeError,
  splitBatches,
  UnsupportedCompressionError,
  UnsupportedMagicError,
} from "@samsa/protocol";

/** Bitwise CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), independent of the native one. */
function referenceCrc32c(buf: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buf) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ""), "hex");
}

describe("CRC-32C", () => {
  it("matches the standard check value and the reference implementation", () => {
    expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff));
    expect(crc32c(data)).toBe(referenceCrc32c(data));
  });
});

describe("record batch layout", () => {
  it("matches a batch written by hand from the format description", () => {
    // baseOffset 0, length 57, leader epoch -1, magic 2, crc, attributes 0,
    // lastOffsetDelta 0, base/max timestamp 1000, producer id/epoch -1, base sequence -1,
    // one record: length 7, attributes 0, timestamp delta 0, offset delta 0,
    // null key (-1 → 01), value "v" (length 1 → 02), no headers.
    const records = hex("0e 00 00 00 01 02 76 00");
    const afterCrc = hex(
      "0000 00000000 00000000000003e8 00000000000003e8 ffffffffffffffff ffff ffffffff 00000001",
    );
    const crc = referenceCrc32c(Buffer.concat([afterCrc, records]));
    const expected = Buffer.concat([
      hex("0000000000000000 00000039 ffffffff 02"),
      hex(crc.toString(16).padStart(8, "0")),
      afterCrc,
      records,
    ]);
    const built = buildRecordBatch({ records: [{ value: "v" }], timestamp: 1000 });
    expect(built.toString("hex")).toBe(expected.toString("hex"));
    const view = new RecordBatchView(built);
    expect(view.isCrcValid()).toBe(true);
    expect(view.recordsCount).toBe(1);
  });

  it("round-trips records with keys, headers, offsets, timestamps and sequences", () => {
    const batch = buildRecordBatch({
      baseOffset: 100,
      producerId: 7,
      producerEpoch: 2,
      baseSequence: 0x7ffffffe,
      timestamp: 1_700_000_000_000,
      records: [
        { key: "k1", value: "v1", headers: [{ key: "h", value: "x" }, { key: "n", value: null }] },
        { key: null, value: null, timestamp: 1_699_999_999_000 },
        { key: Buffer.from([0, 1]), value: Buffer.alloc(300, 5), timestamp: 1_700_000_000_500 },
      ],
    });
    const view = new RecordBatchView(batch);
    expect([view.baseOffset, view.lastOffset, view.maxTimestamp]).toEqual([100, 102, 1_700_000_000_500]);
    const records = readRecords(view);
    expect(records.map((r) => r.offset)).toEqual([100, 101, 102]);
    expect(records.map((r) => r.timestamp)).toEqual([1_700_000_000_000, 1_699_999_999_000, 1_700_000_000_500]);
    expect(records.map((r) => r.sequence)).toEqual([0x7ffffffe, 0x7fffffff, 0]);
    expect(records[0]!.key!.toString()).toBe("k1");
    expect(records[0]!.headers).toEqual([
      { key: "h", value: Buffer.from("x") },
      { key: "n", value: null },
    ]);
    expect(records[1]!.key).toBeNull();
    expect(records[1]!.value).toBeNull();
    expect(records[2]!.value).toEqual(Buffer.alloc(300, 5));
    expect(incrementSequence(5, 3)).toBe(8);
  });

  it("log-append-time batches report the batch max timestamp for every record", () => {
    const batch = buildRecordBatch({ records: [{ value: "a", timestamp: 5 }, { value: "b", timestamp: 9 }], logAppendTime: true });
    expect(readRecords(new RecordBatchView(batch)).map((r) => r.timestamp)).toEqual([9, 9]);
  });

  it("control batches carry commit/abort markers", () => {
    const batch = buildControlBatch({ type: ControlRecordType.commit, producerId: 3, producerEpoch: 1, coordinatorEpoch: 4, timestamp: 1 });
    const view = new RecordBatchView(batch);
    expect(view.isControl && view.isTransactional).toBe(true);
    const [marker] = readRecords(view);
    expect(controlRecordType(marker!)).toBe(ControlRecordType.commit);
    expect(marker!.value!.readInt32BE(2)).toBe(4);
  });
});

describe("batch iteration and validation", () => {
  const a = buildRecordBatch({ records: [{ value: "a" }], timestamp: 1, baseOffset: 0 });
  const b = buildRecordBatch({ records: [{ value: "b" }, { value: "c" }], timestamp: 2, baseOffset: 1 });
  const both = Buffer.concat([a, b]);

  it("splits concatenated batches into zero-copy views", () => {
    const views = splitBatches(both);
    expect(views.map((v) => [v.offset, v.baseOffset, v.recordsCount])).toEqual([
      [0, 0, 1],
      [a.length, 1, 2],
    ]);
    expect(views[1]!.bytes().buffer).toBe(both.buffer);
  });

  it("detects a corrupted CRC", () => {
    const bad = Buffer.from(both);
    bad[a.length + BATCH_HEADER_BYTES + 3]! ^= 0xff;
    expect(() => splitBatches(bad)).toThrow(CorruptRecordError);
    expect(splitBatches(bad, { verifyCrc: false })).toHaveLength(2);
  });

  it("rejects truncated input unless a partial tail is allowed", () => {
    const cut = both.subarray(0, both.length - 3);
    expect(() => splitBatches(cut)).toThrow(CorruptRecordError);
    expect(splitBatches(cut, { allowPartialTail: true })).toHaveLength(1);
    expect(() => splitBatches(both.subarray(0, a.length + 5))).toThrow(CorruptRecordError);
  });

  it("rejects other magic values, unknown codecs and oversized batches", () => {
    const magic1 = Buffer.from(a);
    magic1[16] = 1;
    expect(() => splitBatches(magic1)).toThrow(UnsupportedMagicError);
    const codec7 = Buffer.from(a);
    codec7.writeInt16BE(7, 21);
    new RecordBatchView(codec7).writeCrc();
    expect(() => splitBatches(codec7)).toThrow(UnsupportedCompressionError);
    expect(() => splitBatches(both, { maxBatchBytes: a.length })).toThrow(RecordTooLargeError);
    expect(() => splitBatches(both, { maxRecordSetBytes: both.length - 1 })).toThrow(RecordListTooLargeError);
    const shortLength = Buffer.from(a);
    shortLength.writeInt32BE(10, 8);
    expect(() => [...iterateBatches(shortLength)]).toThrow(CorruptRecordError);
  });

  it("rejects record counts that disagree with the records section", () => {
    const tooMany = Buffer.from(a);
    tooMany.writeInt32BE(2, 57);
    expect(() => readRecords(new RecordBatchView(tooMany))).toThrow(InvalidRecordError);
    const tooFew = Buffer.from(b);
    tooFew.writeInt32BE(1, 57);
    expect(() => readRecords(new RecordBatchView(tooFew))).toThrow(InvalidRecordError);
  });
});

describe("compressed batches", () => {
  const records = Array.from({ length: 50 }, (_, i) => ({ key: `key-${i}`, value: `value ${i} `.repeat(20) }));
  for (const [name, codec] of Object.entries(Compression)) {
    it(`${name} round-trips`, () => {
      const batch = buildRecordBatch({ records, timestamp: 10, compression: codec });
      const view = new RecordBatchView(batch);
      expect(view.compression).toBe(codec);
      if (codec !== Compression.none) expect(batch.length).toBeLessThan(2000);
      const out = readRecords(view);
      expect(out.map((r) => r.value!.toString())).toEqual(records.map((r) => r.value));
      expect(out.map((r) => r.key!.toString())).toEqual(records.map((r) => r.key));
    });
  }

  it("garbage in a compressed body is a corrupt-record error", () => {
    const batch = buildRecordBatch({ records, timestamp: 10, compression: Compression.gzip });
    batch.fill(0x55, BATCH_HEADER_BYTES + 10, BATCH_HEADER_BYTES + 40);
    new RecordBatchView(batch).writeCrc();
    expect(() => readRecords(new RecordBatchView(batch))).toThrow(CorruptRecordError);
  });
});
