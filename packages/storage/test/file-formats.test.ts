import { describe, expect, it } from "vitest";
import {
  CheckpointFormatError,
  OffsetIndex,
  TimeIndex,
  checkBatch,
  newDirectoryId,
  parseLeaderEpochCheckpoint,
  parseMetaProperties,
  parseOffsetCheckpoint,
  parsePartitionDirName,
  parseSegmentFileName,
  partitionDirName,
  segmentFileName,
  serializeLeaderEpochCheckpoint,
  serializeMetaProperties,
  serializeOffsetCheckpoint,
} from "@samsa/storage";
import { buildBatch } from "./helpers/batches.js";

/** Bytes from a hex string with spaces and comments stripped (written from Kafka's format description). */
function hex(text: string): Buffer {
  return Buffer.from(text.replace(/#.*$/gm, "").replace(/\s+/g, ""), "hex");
}

describe("segment and directory names", () => {
  it("uses 20-digit zero-padded base offsets and <topic>-<partition> directories", () => {
    expect(segmentFileName(0, ".log")).toBe("00000000000000000000.log");
    expect(segmentFileName(1234567, ".timeindex")).toBe("00000000000001234567.timeindex");
    expect(parseSegmentFileName("00000000000001234567.index", ".index")).toBe(1234567);
    expect(parseSegmentFileName("1234.log", ".log")).toBeUndefined();
    expect(parseSegmentFileName("00000000000000000000.log.deleted", ".log")).toBeUndefined();
    expect(partitionDirName("my-topic", 7)).toBe("my-topic-7");
    expect(parsePartitionDirName("my-topic-7")).toEqual({ topic: "my-topic", partition: 7 });
    expect(parsePartitionDirName("__consumer_offsets-49")).toEqual({ topic: "__consumer_offsets", partition: 49 });
    expect(parsePartitionDirName("meta.properties")).toBeUndefined();
    expect(parsePartitionDirName("topic-x")).toBeUndefined();
  });
});

describe(".index (offset index)", () => {
  // Two entries: relative offset 3 at position 0x100, relative offset 9 at position 0x2000.
  const file = hex(`
    00000003 00000100
    00000009 00002000
  `);

  it("parses 8-byte (relative offset, position) entries and looks up the floor entry", () => {
    const index = OffsetIndex.parse(1000, 10, file, 0x3000)!;
    expect(index.entryCount).toBe(2);
    expect(index.lookup(999)).toEqual({ offset: 1000, position: 0 });
    expect(index.lookup(1003)).toEqual({ offset: 1003, position: 0x100 });
    expect(index.lookup(1008)).toEqual({ offset: 1003, position: 0x100 });
    expect(index.lookup(5000)).toEqual({ offset: 1009, position: 0x2000 });
  });

  it("writes the same bytes it reads", () => {
    const index = new OffsetIndex(1000, 10);
    index.append(1003, 0x100);
    index.append(1009, 0x2000);
    expect(index.bytes().equals(file)).toBe(true);
    index.truncateTo(1009);
    expect(index.bytes().equals(file.subarray(0, 8))).toBe(true);
  });

  it("rejects misaligned, non-increasing or out-of-file entries so they are rebuilt", () => {
    expect(OffsetIndex.parse(0, 10, file.subarray(0, 12), 0x3000)).toBeUndefined();
    expect(OffsetIndex.parse(0, 10, hex("00000009 00000100 00000003 00002000"), 0x3000)).toBeUndefined();
    expect(OffsetIndex.parse(0, 10, file, 0x1000)).toBeUndefined();
    // A preallocated file's zero tail is not a valid index either.
    expect(OffsetIndex.parse(0, 10, Buffer.concat([file, Buffer.alloc(16)]), 0x3000)).toBeUndefined();
  });
});

describe(".timeindex", () => {
  const file = hex(`
    0000018bcfe56800 00000002   # 1700000000000 ms -> relative offset 2
    0000018bcfe56c00 00000005   # 1700000001024 ms -> relative offset 5
  `);

  it("parses 12-byte (timestamp, relative offset) entries", () => {
    const index = TimeIndex.parse(50, 10, file, 100)!;
    expect(index.entry(0)).toEqual({ timestamp: 1700000000000, offset: 52 });
    expect(index.lookup(1700000000500)).toEqual({ timestamp: 1700000000000, offset: 52 });
    expect(index.lookup(1699999999999)).toBeUndefined();
    expect(index.lookup(1800000000000)).toEqual({ timestamp: 1700000001024, offset: 55 });
  });

  it("only appends growing timestamps and writes the same bytes", () => {
    const index = new TimeIndex(50, 10);
    expect(index.maybeAppend(1700000000000, 52)).toBe(true);
    expect(index.maybeAppend(1700000000000, 53)).toBe(false);
    expect(index.maybeAppend(1700000001024, 55)).toBe(true);
    expect(index.bytes().equals(file)).toBe(true);
  });
});

describe("checkpoint files", () => {
  it("reads and writes offset checkpoints (version, count, `topic partition offset` lines)", () => {
    const text = "0\n2\norders 0 1500\n__consumer_offsets 12 7\n";
    const parsed = parseOffsetCheckpoint(text);
    expect([...parsed]).toEqual([
      ["orders-0", 1500],
      ["__consumer_offsets-12", 7],
    ]);
    const written = serializeOffsetCheckpoint(
      new Map([
        ["orders-0", { topic: "orders", partition: 0, offset: 1500 }],
        ["__consumer_offsets-12", { topic: "__consumer_offsets", partition: 12, offset: 7 }],
      ]),
    );
    expect(written.toString()).toBe(text);
  });

  it("reads and writes leader-epoch-checkpoint (`epoch start-offset` lines)", () => {
    const text = "0\n3\n0 0\n2 150\n5 900\n";
    expect(parseLeaderEpochCheckpoint(text)).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 2, startOffset: 150 },
      { epoch: 5, startOffset: 900 },
    ]);
    expect(serializeLeaderEpochCheckpoint(parseLeaderEpochCheckpoint(text)).toString()).toBe(text);
  });

  it("refuses garbage instead of half-trusting it", () => {
    for (const bad of ["", "1\n0\n", "0\n2\na 0 1\n", "0\nx\n", "0\n1\norders 0\n", "0\n1\norders zero 5\n"]) {
      expect(() => parseOffsetCheckpoint(bad)).toThrow(CheckpointFormatError);
    }
    expect(() => parseLeaderEpochCheckpoint("0\n2\n5 10\n3 20\n")).toThrow(CheckpointFormatError);
  });
});

describe("meta.properties", () => {
  it("reads Kafka's KRaft v1 file and writes one that reads back", () => {
    const kafkaWritten = "#\n#Thu Jan 01 00:00:00 UTC 2026\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\ndirectory.id=ZlnrZ2iVRxC6vWJ2qYfmJA\nnode.id=1\nversion=1\n";
    const meta = parseMetaProperties(kafkaWritten);
    expect(meta).toEqual({ version: 1, nodeId: 1, clusterId: "MkU3OEVBNTcwNTJENDM2Qk", directoryId: "ZlnrZ2iVRxC6vWJ2qYfmJA" });
    expect(parseMetaProperties(serializeMetaProperties(meta).toString())).toEqual(meta);
    expect(newDirectoryId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(() => parseMetaProperties("version=0\nnode.id=1\n")).toThrow();
  });
});

describe("batch validation", () => {
  // A one-record batch, every header field written by hand from the record batch v2 layout.
  const record = hex(`
    12            # length 9 (zigzag varint)
    00            # attributes
    00            # timestamp delta 0
    00            # offset delta 0
    01            # key length -1 (null)
    06 61 62 63   # value length 3, "abc"
    00            # header count 0
  `);
  const header = hex(`
    0000000000000000   # baseOffset
    0000003b           # batchLength = 61 - 12 + 10 bytes of record
    ffffffff           # partitionLeaderEpoch
    02                 # magic
    00000000           # crc (filled below)
    0000               # attributes
    00000000           # lastOffsetDelta
    0000018bcfe56800   # baseTimestamp
    0000018bcfe56800   # maxTimestamp
    ffffffffffffffff   # producerId
    ffff               # producerEpoch
    ffffffff           # baseSequence
    00000001           # records count
  `);

  it("accepts a hand-written batch once its CRC-32C is right and agrees with the builder", () => {
    const batch = Buffer.concat([header, record]);
    expect(batch.length).toBe(12 + 0x3b);
    expect(checkBatch(batch, 0)).toMatchObject({ ok: false, reason: expect.stringContaining("CRC") });
    const built = buildBatch([{ value: "abc", timestamp: 1700000000000 }]);
    batch.writeUInt32BE(built.readUInt32BE(17), 17);
    expect(batch.equals(built)).toBe(true);
    expect(checkBatch(batch, 0)).toMatchObject({ ok: true, header: { sizeBytes: 71, baseOffset: 0, lastOffset: 0, recordsCount: 1, maxTimestamp: 1700000000000 } });
  });

  it("tells a torn tail (incomplete) from garbage", () => {
    const built = buildBatch([{ value: "abc", timestamp: 1 }]);
    expect(checkBatch(built.subarray(0, 40), 0)).toMatchObject({ ok: false, incomplete: true });
    expect(checkBatch(built.subarray(0, 70), 0)).toMatchObject({ ok: false, incomplete: true });
    const shortLength = Buffer.from(built);
    shortLength.writeInt32BE(10, 8);
    expect(checkBatch(shortLength, 0)).toMatchObject({ ok: false, incomplete: false });
  });
});
