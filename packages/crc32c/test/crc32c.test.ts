import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32c, crc32cFallbackReason, crc32cImplementation, portableCrc32cOf } from "../src/index.js";

describe("crc32c", () => {
  it("is built natively on an x64 machine with a compiler (npm install builds it)", () => {
    // The portable fallback is correct but about 4x slower; a silent fallback here would hide a broken install step.
    if (process.arch === "x64" && process.env.CRC32C_PORTABLE !== "1") {
      expect(crc32cFallbackReason).toBeUndefined();
      expect(crc32cImplementation).toBe("native-sse42-3way");
    }
  });

  it("matches the iSCSI test vectors (RFC 3720 B.4) and the catalogue check value", () => {
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)))).toBe(0x113fdb5c);
    expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it("agrees with the portable implementation at every length around the lane and block edges, at every alignment", () => {
    const data = randomBytes(3 * 4096 * 2 + 64);
    const lengths = new Set<number>();
    for (const edge of [0, 8, 256, 3 * 256, 4096, 3 * 4096, 2 * 3 * 4096]) for (let d = -9; d <= 9; d++) if (edge + d >= 0) lengths.add(edge + d);
    for (const length of lengths) {
      for (let align = 0; align < 8; align++) {
        const slice = data.subarray(align, align + length);
        expect(crc32c(slice), `length ${length} align ${align}`).toBe(portableCrc32cOf(slice));
      }
    }
  });

  it("continues from a previous CRC: crc(a ++ b) = crc(b, crc(a))", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40_000 }), fc.uint8Array({ maxLength: 40_000 }), (a, b) => {
        const whole = Buffer.concat([a, b]);
        expect(crc32c(b, crc32c(a))).toBe(crc32c(whole));
        expect(crc32c(whole)).toBe(portableCrc32cOf(whole));
      }),
      { numRuns: 200 },
    );
  });

  it("reads a view's own bytes, not its whole backing buffer", () => {
    const backing = randomBytes(100_000);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 13, 50_000);
    expect(crc32c(view)).toBe(portableCrc32cOf(Buffer.from(view)));
  });

  it.runIf(crc32cImplementation === "native-sse42-3way")("refuses what is not a Uint8Array with a TypeError", () => {
    expect(() => crc32c("not bytes" as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => crc32c(new Uint16Array(4) as unknown as Uint8Array)).toThrow(TypeError);
  });
});
