import { describe, expect, it } from "vitest";
import { compressRecords, Compression, CorruptRecordError, decompressRecords, UnsupportedCompressionError } from "@samsa/protocol";

const XERIAL_HEADER = "82534e4150505900" + "00000001" + "00000001";

describe("compression codecs", () => {
  const data = Buffer.from("The quick brown fox jumps over the lazy dog. ".repeat(3000));

  for (const [name, codec] of Object.entries(Compression)) {
    it(`${name}: round-trip`, () => {
      const packed = compressRecords(codec, data);
      if (codec !== Compression.none) expect(packed.length).toBeLessThan(data.length / 4);
      expect(decompressRecords(codec, packed).equals(data)).toBe(true);
    });
  }

  it("snappy output uses xerial framing with 32 KiB blocks", () => {
    const packed = compressRecords(Compression.snappy, data);
    expect(packed.subarray(0, 16).toString("hex")).toBe(XERIAL_HEADER);
    // 135000 bytes of input: five blocks (4 × 32768 + 3928).
    let blocks = 0;
    for (let at = 16; at < packed.length; at += 4 + packed.readInt32BE(at)) blocks++;
    expect(blocks).toBe(5);
  });

  it("decodes a hand-made xerial snappy frame with two blocks", () => {
    // Raw snappy block for "hello": uncompressed length 5, literal tag (5-1)<<2, bytes.
    const block = "05 10 68656c6c6f";
    const frame = Buffer.from((XERIAL_HEADER + "00000007" + block + "00000007" + block).replace(/ /g, ""), "hex");
    expect(decompressRecords(Compression.snappy, frame).toString()).toBe("hellohello");
  });

  it("accepts raw (unframed) snappy", () => {
    expect(decompressRecords(Compression.snappy, Buffer.from("051068656c6c6f", "hex")).toString()).toBe("hello");
  });

  it("rejects corrupt input, unknown codecs and oversized output", () => {
    const bad = Buffer.from(XERIAL_HEADER + "000000ff" + "0510", "hex");
    expect(() => decompressRecords(Compression.snappy, bad)).toThrow(CorruptRecordError);
    expect(() => decompressRecords(Compression.lz4, Buffer.from("not lz4"))).toThrow(CorruptRecordError);
    expect(() => decompressRecords(Compression.zstd, Buffer.from("not zstd"))).toThrow(CorruptRecordError);
    expect(() => decompressRecords(6, data)).toThrow(UnsupportedCompressionError);
    const gz = compressRecords(Compression.gzip, data);
    expect(() => decompressRecords(Compression.gzip, gz, 1000)).toThrow(CorruptRecordError);
    const zs = compressRecords(Compression.zstd, data);
    expect(() => decompressRecords(Compression.zstd, zs, 1000)).toThrow(CorruptRecordError);
  });
});
