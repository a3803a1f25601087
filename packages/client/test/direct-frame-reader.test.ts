import { describe, expect, it } from "vitest";
import { DirectFrameReader } from "../src/direct-frame-reader.js";
import { FrameTooLargeError } from "../src/errors.js";

function frame(payload: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(payload.length, 0);
  return Buffer.concat([prefix, payload]);
}

/** Feeds `stream` to the reader the way a socket would: up to `maxRead` bytes per read into the buffer it asks for. */
function feed(reader: DirectFrameReader, stream: Buffer, maxRead: number): { direct: number } {
  let at = 0;
  let direct = 0;
  // Before any frame has started, the reader can only offer its scratch buffer.
  const scratch = reader.nextReadBuffer();
  for (let reads = 0; at < stream.length; reads++) {
    if (reads > 1_000_000) throw new Error("reader made no progress");
    const target = reader.nextReadBuffer();
    const n = Math.min(target.length, maxRead, stream.length - at);
    stream.copy(target, 0, at, at + n);
    if (target !== scratch) direct++;
    reader.onRead(n, target);
    at += n;
  }
  return { direct };
}

describe("DirectFrameReader", () => {
  const big = Buffer.alloc(300_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  const payloads = [Buffer.from("hello"), Buffer.alloc(0), big, Buffer.from("tail"), Buffer.alloc(70_000, 9)];
  const stream = Buffer.concat(payloads.map(frame));

  for (const maxRead of [3, 4096, 65_536, 1 << 20]) {
    it(`returns every frame intact with reads of at most ${maxRead} bytes`, () => {
      const frames: Buffer[] = [];
      const reader = new DirectFrameReader(1 << 20, (f) => frames.push(Buffer.from(f)), 16 * 1024);
      feed(reader, stream, maxRead);
      expect(frames.map((f) => f.length)).toEqual(payloads.map((p) => p.length));
      for (let i = 0; i < payloads.length; i++) expect(frames[i]!.equals(payloads[i]!)).toBe(true);
    });
  }

  it("reads the rest of a large frame straight into the frame's buffer", () => {
    const frames: Buffer[] = [];
    const reader = new DirectFrameReader(1 << 20, (f) => frames.push(f), 16 * 1024);
    const { direct } = feed(reader, frame(big), 65_536);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.equals(big)).toBe(true);
    expect(direct).toBeGreaterThan(0);
  });

  it("rejects a size prefix beyond maxFrameBytes before allocating", () => {
    const reader = new DirectFrameReader(1000, () => undefined);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(1001, 0);
    expect(() => feed(reader, prefix, 4)).toThrow(FrameTooLargeError);
    const negative = new DirectFrameReader(1000, () => undefined);
    expect(() => feed(negative, Buffer.from([0xff, 0xff, 0xff, 0xff]), 4)).toThrow(FrameTooLargeError);
  });
});
