import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeFetchRequest,
  decodeFetchResponse,
  decodeMetadataRequest,
  decodeProduceRequest,
  encodeFetchResponse,
  ProtocolDecodeError,
  randomUuid,
  Reader,
  uuidFromBytes,
  uuidToBytes,
  Writer,
  ZERO_UUID,
} from "@samsa/protocol";

function bytesOf(write: (w: Writer) => void): Buffer {
  const w = new Writer(8);
  write(w);
  return w.toBuffer();
}

describe("Writer and Reader primitives", () => {
  it("round-trip fixed-size integers at their bounds", () => {
    const buf = bytesOf((w) => {
      w.int8(-128);
      w.int16(32767);
      w.uint16(65535);
      w.int32(-2147483648);
      w.uint32(4294967295);
      w.int64(Number.MAX_SAFE_INTEGER);
      w.int64(Number.MIN_SAFE_INTEGER);
      w.int64(-1);
      w.float64(-0.25);
      w.boolean(true);
    });
    const r = new Reader(buf);
    expect([r.int8(), r.int16(), r.uint16(), r.int32(), r.uint32()]).toEqual([-128, 32767, 65535, -2147483648, 4294967295]);
    expect([r.int64(), r.int64(), r.int64()]).toEqual([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, -1]);
    expect(r.float64()).toBe(-0.25);
    expect(r.boolean()).toBe(true);
    expect(r.remaining).toBe(0);
    expect(buf.subarray(29, 37).toString("hex")).toBe("ffffffffffffffff");
  });

  it("rejects int64 values outside the safe-integer range, on both sides", () => {
    expect(() => new Reader(Buffer.from("0020000000000000", "hex")).int64()).toThrow(ProtocolDecodeError);
    expect(() => new Reader(Buffer.from("ffe0000000000000", "hex")).int64()).toThrow(ProtocolDecodeError);
    expect(() => new Writer().int64(2 ** 53)).toThrow(RangeError);
  });

  it("encodes varints like Kafka's ByteUtils", () => {
    expect(bytesOf((w) => w.uvarint(300)).toString("hex")).toBe("ac02");
    expect(bytesOf((w) => w.varint(-1)).toString("hex")).toBe("01");
    expect(bytesOf((w) => w.varint(1)).toString("hex")).toBe("02");
    expect(bytesOf((w) => w.varint(-2147483648)).toString("hex")).toBe("ffffffff0f");
    expect(bytesOf((w) => w.varlong(-1)).toString("hex")).toBe("01");
    // zig-zag(2^40) = 2^41: five zero groups, then 2^6.
    expect(bytesOf((w) => w.varlong(2 ** 40)).toString("hex")).toBe("808080808040");
    expect(bytesOf((w) => w.varlong(Number.MIN_SAFE_INTEGER)).toString("hex")).toBe("fdffffffffffff1f");
  });

  it("round-trips varints and varlongs for arbitrary values", () => {
    fc.assert(
      fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.maxSafeInteger(), fc.maxSafeNat(), (i, l, u) => {
        const buf = bytesOf((w) => {
          w.varint(i);
          w.varlong(l);
          w.varlong(0 - l || 0);
          w.uvarint(u % 0x100000000);
        });
        const r = new Reader(buf);
        expect([r.varint(), r.varlong(), r.varlong(), r.uvarint()]).toEqual([i, l, 0 - l || 0, u % 0x100000000]);
        expect(r.remaining).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it("rejects over-long varints", () => {
    expect(() => new Reader(Buffer.from("ffffffffff01", "hex")).uvarint()).toThrow(ProtocolDecodeError);
    expect(() => new Reader(Buffer.from("ffffffffffffffffffff01", "hex")).varlong()).toThrow(ProtocolDecodeError);
    expect(() => new Reader(Buffer.from("ff", "hex")).uvarint()).toThrow(/truncated/);
  });

  it("strings count UTF-8 bytes, not characters", () => {
    const buf = bytesOf((w) => {
      w.string("é");
      w.compactString("😀");
      w.nullableString(null);
      w.compactNullableString(null);
    });
    expect(buf.toString("hex")).toBe("0002c3a9" + "05f09f9880" + "ffff" + "00");
    const r = new Reader(buf);
    expect([r.string(), r.compactString(), r.nullableString(), r.compactNullableString()]).toEqual(["é", "😀", null, null]);
  });

  it("bytes are copied; views and records are subarrays of the input", () => {
    const buf = bytesOf((w) => {
      w.bytes(Buffer.from([1, 2]));
      w.bytes(Buffer.from([3, 4]));
    });
    const r = new Reader(buf);
    const copy = r.bytes();
    const view = r.bytesView();
    expect([...copy, ...view]).toEqual([1, 2, 3, 4]);
    buf.fill(0);
    expect([...copy, ...view]).toEqual([1, 2, 0, 0]);
  });

  it("writeChunk appends by reference and reserveInt32 fills a prefix later", () => {
    const big = Buffer.alloc(4096, 1);
    const w = new Writer(16);
    const slot = w.reserveInt32();
    w.int16(5);
    w.writeChunk(big);
    for (let i = 0; i < 100; i++) w.int32(i); // forces the scratch buffer to grow
    w.fillInt32(slot, w.byteLength - 4);
    const chunks = w.toChunks();
    expect(chunks).toContain(big);
    const all = Buffer.concat(chunks);
    expect(all.length).toBe(w.byteLength);
    expect(all.readInt32BE(0)).toBe(2 + 4096 + 400);
    expect(all.readInt32BE(all.length - 4)).toBe(99);
  });

  it("uuids use Kafka's base64url string form", () => {
    const bytes = Buffer.from("000102030405060708090a0b0c0d0e0f", "hex");
    expect(uuidFromBytes(bytes)).toBe("AAECAwQFBgcICQoLDA0ODw");
    expect(uuidToBytes("AAECAwQFBgcICQoLDA0ODw")).toEqual(bytes);
    expect(uuidToBytes(ZERO_UUID)).toEqual(Buffer.alloc(16));
    expect(() => uuidToBytes("not-a-uuid")).toThrow(TypeError);
    const u = randomUuid();
    expect(u).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(u).not.toBe(ZERO_UUID);
    expect(uuidToBytes(u)[6]! >> 4).toBe(4);
  });
});

describe("decoders reject malformed input", () => {
  it("truncated messages at every length", () => {
    const w = new Writer();
    encodeFetchResponse(
      w,
      {
        throttleTimeMs: 0,
        errorCode: 0,
        sessionId: 1,
        responses: [
          {
            topic: "t",
            topicId: ZERO_UUID,
            partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 10, records: Buffer.alloc(20, 1) }],
          },
        ],
      },
      12,
    );
    const full = w.toBuffer();
    expect(decodeFetchResponse(new Reader(full), 12).responses[0]!.partitions[0]!.records).toEqual(Buffer.alloc(20, 1));
    for (let n = 0; n < full.length; n++) {
      expect(() => decodeFetchResponse(new Reader(full.subarray(0, n)), 12), `length ${n}`).toThrow(ProtocolDecodeError);
    }
  });

  it("negative lengths other than the null marker", () => {
    // Produce v3: transactional id length -2.
    expect(() => decodeProduceRequest(new Reader(Buffer.from("fffe", "hex")), 3)).toThrow(/negative length/);
    // Metadata v1: a topics array of length -2.
    expect(() => decodeMetadataRequest(new Reader(Buffer.from("fffffffe", "hex")), 1)).toThrow(/negative length/);
  });

  it("array and byte lengths beyond the remaining input", () => {
    expect(() => decodeMetadataRequest(new Reader(Buffer.from("7fffffff", "hex")), 1)).toThrow(/exceeds/);
    const produce = Buffer.from("ffff" + "ffff" + "00000000" + "00000001" + "0001" + "74" + "00000001" + "00000000" + "00001000", "hex");
    expect(() => decodeProduceRequest(new Reader(produce), 3)).toThrow(/truncated/);
  });

  it("a tagged field whose size does not match its content", () => {
    // Fetch v12 request with tag 0 (cluster id) announcing 3 bytes but holding a 1-byte string.
    const body = Buffer.from("ffffffff 000001f4 00000001 7fffffff 00 00000000 ffffffff 01 01 01 01 00 03 01 0000".replace(/ /g, ""), "hex");
    expect(() => decodeFetchRequest(new Reader(body), 12)).toThrow(/size mismatch/);
  });
});
