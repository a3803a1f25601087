import { describe, expect, it } from "vitest";
import { javaStringHashCode, offsetsPartitionFor } from "../../src/groups/group-placement.js";
import {
  decodeGroupMetadataValue,
  decodeOffsetCommitValue,
  decodeOffsetsTopicKey,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  OffsetsRecordFormatError,
} from "../../src/groups/offsets-topic-records.js";

describe("__consumer_offsets record formats", () => {
  it("writes offset commit keys as Kafka does (version 1, group, topic, partition)", () => {
    const key = encodeOffsetCommitKey("g", "tp", 3);
    expect(key.toString("hex")).toBe("0001" + "0001" + "67" + "0002" + "7470" + "00000003");
    expect(decodeOffsetsTopicKey(key)).toEqual({ kind: "offset", group: "g", topic: "tp", partition: 3 });
  });

  it("writes group metadata keys as version 2", () => {
    const key = encodeGroupMetadataKey("grp");
    expect(key.toString("hex")).toBe("0002" + "0003" + Buffer.from("grp").toString("hex"));
    expect(decodeOffsetsTopicKey(key)).toEqual({ kind: "group", group: "grp" });
  });

  it("reads offset commit keys of version 0 and rejects unknown versions and trailing bytes", () => {
    const v0 = Buffer.from(encodeOffsetCommitKey("g", "t", 1));
    v0.writeInt16BE(0, 0);
    expect(decodeOffsetsTopicKey(v0)).toEqual({ kind: "offset", group: "g", topic: "t", partition: 1 });
    const v9 = Buffer.from(v0);
    v9.writeInt16BE(9, 0);
    expect(() => decodeOffsetsTopicKey(v9)).toThrow(OffsetsRecordFormatError);
    expect(() => decodeOffsetsTopicKey(Buffer.concat([v0, Buffer.from([0])]))).toThrow(OffsetsRecordFormatError);
  });

  it("writes offset values as v3 (with leader epoch) and v1 when the commit carries an expiry", () => {
    const v3 = encodeOffsetCommitValue({ offset: 42, leaderEpoch: 7, metadata: "m", commitTimestamp: 1000, expireTimestamp: -1 });
    expect(v3.toString("hex")).toBe("0003" + "000000000000002a" + "00000007" + "0001" + "6d" + "00000000000003e8");
    expect(decodeOffsetCommitValue(v3)).toEqual({ offset: 42, leaderEpoch: 7, metadata: "m", commitTimestamp: 1000, expireTimestamp: -1 });
    const v1 = encodeOffsetCommitValue({ offset: 5, leaderEpoch: -1, metadata: "", commitTimestamp: 10, expireTimestamp: 20 });
    expect(v1.readInt16BE(0)).toBe(1);
    expect(decodeOffsetCommitValue(v1)).toEqual({ offset: 5, leaderEpoch: -1, metadata: "", commitTimestamp: 10, expireTimestamp: 20 });
  });

  it("reads offset values v0 and the flexible v4", () => {
    // v0: offset, metadata, commit timestamp.
    const v0 = Buffer.from("0000" + "0000000000000009" + "0000" + "0000000000000064", "hex");
    expect(decodeOffsetCommitValue(v0)).toEqual({ offset: 9, leaderEpoch: -1, metadata: "", commitTimestamp: 100, expireTimestamp: -1 });
    // v4: compact string metadata and an (empty) tagged-field section.
    const v4 = Buffer.from("0004" + "0000000000000009" + "00000002" + "02" + "78" + "0000000000000064" + "00", "hex");
    expect(decodeOffsetCommitValue(v4)).toEqual({ offset: 9, leaderEpoch: 2, metadata: "x", commitTimestamp: 100, expireTimestamp: -1 });
  });

  it("round-trips group metadata values v3 with members", () => {
    const value = {
      protocolType: "consumer",
      generation: 4,
      protocol: "range",
      leader: "m1",
      currentStateTimestamp: 123,
      members: [
        { memberId: "m1", groupInstanceId: "i1", clientId: "c", clientHost: "/127.0.0.1", rebalanceTimeoutMs: 300, sessionTimeoutMs: 100, subscription: Buffer.from([1, 2]), assignment: Buffer.from([3]) },
        { memberId: "m2", groupInstanceId: null, clientId: "c", clientHost: "/::1", rebalanceTimeoutMs: 300, sessionTimeoutMs: 100, subscription: Buffer.alloc(0), assignment: Buffer.alloc(0) },
      ],
    };
    const bytes = encodeGroupMetadataValue(value);
    expect(bytes.readInt16BE(0)).toBe(3);
    expect(decodeGroupMetadataValue(bytes)).toEqual(value);
  });

  it("reads an empty group's metadata value v0 (no rebalance timeout, no state timestamp)", () => {
    const v0 = Buffer.from("0000" + "0008" + Buffer.from("consumer").toString("hex") + "00000003" + "ffff" + "ffff" + "00000000", "hex");
    expect(decodeGroupMetadataValue(v0)).toEqual({ protocolType: "consumer", generation: 3, protocol: null, leader: null, currentStateTimestamp: -1, members: [] });
  });
});

describe("coordinator placement", () => {
  it("hashes like Java's String.hashCode", () => {
    expect(javaStringHashCode("")).toBe(0);
    expect(javaStringHashCode("a")).toBe(97);
    expect(javaStringHashCode("hello")).toBe(99162322);
    expect(javaStringHashCode("Aa")).toBe(javaStringHashCode("BB"));
    expect(javaStringHashCode("polygenelubricants")).toBe(-2147483648);
  });

  it("maps groups to partitions as Utils.abs(hash) % n, with abs(MIN_VALUE) = 0", () => {
    expect(offsetsPartitionFor("polygenelubricants", 50)).toBe(0);
    expect(offsetsPartitionFor("hello", 50)).toBe(99162322 % 50);
    // "polygenelubricantz" differs in the last char: hash MIN_VALUE + 7, a negative number.
    expect(javaStringHashCode("polygenelubricantz")).toBe(-2147483641);
    expect(offsetsPartitionFor("polygenelubricantz", 50)).toBe(2147483641 % 50);
    expect(() => offsetsPartitionFor("g", 0)).toThrow(RangeError);
  });
});
