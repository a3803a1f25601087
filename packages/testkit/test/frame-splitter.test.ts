import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FrameSplitter } from "../src/frame-splitter.js";

function frameOf(body: Uint8Array): Buffer {
  const frame = Buffer.alloc(4 + body.length);
  frame.writeInt32BE(body.length, 0);
  frame.set(body, 4);
  return frame;
}

describe("FrameSplitter", () => {
  it("returns the same frames however the stream is chunked", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 20 }),
        (bodies, cuts) => {
          const frames = bodies.map(frameOf);
          const stream = Buffer.concat(frames);
          const splitter = new FrameSplitter(1024);
          const out: Buffer[] = [];
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const size = cuts[i % cuts.length]!;
            out.push(...splitter.push(stream.subarray(at, at + size)));
            at += size;
          }
          expect(out.map((b) => b.toString("hex"))).toEqual(frames.map((b) => b.toString("hex")));
          expect(splitter.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("rejects a size prefix beyond the bound or negative", () => {
    const big = Buffer.alloc(4);
    big.writeInt32BE(2048, 0);
    expect(() => new FrameSplitter(1024).push(big)).toThrow(RangeError);
    expect(() => new FrameSplitter(1024).push(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(RangeError);
  });
});
