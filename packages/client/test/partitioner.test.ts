import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { murmur2, toPositive } from "../src/murmur2.js";
import { DefaultPartitioner, partitionForKey } from "../src/partitioner.js";

const utf8 = (s: string) => Buffer.from(s, "utf8");

describe("murmur2", () => {
  // Values published in Apache Kafka's UtilsTest and in ports that check
  // themselves against Kafka's Utils.murmur2.
  const knownHashes: Array<[Uint8Array, number]> = [
    [utf8("21"), -973932308],
    [utf8("foobar"), -790332482],
    [utf8("a-little-bit-long-string"), -985981536],
    [utf8("a-little-bit-longer-string"), -1486304829],
    [utf8("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971],
    [new Uint8Array([0x61, 0x62, 0x63]), 479470107],
    [utf8("1"), -1993445489],
    [utf8("12"), 126087238],
    [utf8("123"), -267702483],
    [utf8("1234"), -1614185708],
    [utf8("12345"), -1188365604],
  ];
  for (const [key, expected] of knownHashes) {
    it(`hashes ${JSON.stringify(Buffer.from(key).toString())} like Kafka`, () => {
      expect(murmur2(key)).toBe(expected);
    });
  }

  it("agrees with kafkajs's Java-compatible murmur2 on arbitrary bytes", () => {
    const require = createRequire(import.meta.url);
    const kafkajsMurmur2 = require("kafkajs/src/producer/partitioners/default/murmur2.js") as (k: Buffer) => number;
    let seed = 12345;
    const nextByte = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    for (let n = 0; n < 300; n++) {
      const key = Buffer.from(Buffer.alloc(n % 37, 0).map(() => nextByte()));
      expect(murmur2(key)).toBe(kafkajsMurmur2(key));
    }
  });

  it("toPositive clears the sign bit like Kafka's Utils.toPositive", () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(5)).toBe(5);
  });
});

describe("DefaultPartitioner", () => {
  it("routes keyed records by murmur2 modulo partition count", () => {
    const p = new DefaultPartitioner();
    expect(p.partition("t", utf8("foobar"), 7)).toBe(toPositive(-790332482) % 7);
    expect(partitionForKey(utf8("21"), 3)).toBe(toPositive(-973932308) % 3);
  });

  it("spreads null keys round-robin per topic", () => {
    const p = new DefaultPartitioner();
    const picks = Array.from({ length: 6 }, () => p.partition("a", null, 3));
    expect(picks).toEqual([0, 1, 2, 0, 1, 2]);
    expect(p.partition("b", null, 3)).toBe(0);
  });

  it("rejects a non-positive partition count", () => {
    expect(() => new DefaultPartitioner().partition("t", null, 0)).toThrow(RangeError);
  });
});
