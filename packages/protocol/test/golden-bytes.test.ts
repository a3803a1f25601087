import { describe, expect, it } from "vitest";
import {
  ApiKey,
  decodeApiVersionsResponse,
  decodeFetchRequest,
  decodeRequestFrame,
  decodeResponseFrame,
  encodeApiVersionsRequest,
  encodeDescribeTopicPartitionsRequest,
  encodeFetchResponse,
  encodeFetchRequest,
  encodeMetadataRequest,
  encodeProduceRequest,
  encodeRequestFrame,
  encodeResponseFrame,
  Reader,
  Writer,
  ZERO_UUID,
} from "@samsa/protocol";

// Expected bytes are written out by hand from the Kafka protocol guide's
// primitive encodings, independent of the generator.

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ""), "hex");
}
function concat(chunks: Buffer[]): Buffer {
  return Buffer.concat(chunks);
}

describe("byte-exact encodings", () => {
  it("ApiVersions v0 request frame (header v1, empty body)", () => {
    const frame = concat(
      encodeRequestFrame(
        { requestApiKey: ApiKey.ApiVersions, requestApiVersion: 0, correlationId: 1, clientId: "kcat" },
        {},
      ),
    );
    expect(frame.toString("hex")).toBe(hex("0000000e 0012 0000 00000001 0004 6b636174").toString("hex"));
  });

  it("ApiVersions v3 request frame (header v2: non-compact client id, tagged fields)", () => {
    const frame = concat(
      encodeRequestFrame(
        { requestApiKey: ApiKey.ApiVersions, requestApiVersion: 3, correlationId: 7, clientId: "c" },
        { clientSoftwareName: "ab", clientSoftwareVersion: "1.0" },
      ),
    );
    const body = "03 6162 04 312e30 00";
    const header = "0012 0003 00000007 0001 63 00";
    const size = (hex(header).length + hex(body).length).toString(16).padStart(8, "0");
    expect(frame.toString("hex")).toBe(hex(size + header + body).toString("hex"));
    const decoded = decodeRequestFrame(frame.subarray(4));
    expect(decoded.header).toEqual({ requestApiKey: 18, requestApiVersion: 3, correlationId: 7, clientId: "c" });
    expect(decoded.body).toEqual({ clientSoftwareName: "ab", clientSoftwareVersion: "1.0" });
  });

  it("ApiVersions v0 response frame", () => {
    const frame = concat(
      encodeResponseFrame(1, ApiKey.ApiVersions, 0, {
        errorCode: 0,
        apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }],
      }),
    );
    expect(frame.toString("hex")).toBe(hex("00000010 00000001 0000 00000001 0012 0000 0003").toString("hex"));
  });

  it("ApiVersions v3 response frame: header v0 and a tagged field in the body", () => {
    const frame = concat(
      encodeResponseFrame(9, ApiKey.ApiVersions, 3, {
        errorCode: 0,
        apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
        throttleTimeMs: 0,
        finalizedFeaturesEpoch: 5,
      }),
    );
    // correlation id, no header tagged fields (ApiVersions responses use header v0);
    // error code, compact array of one entry with its empty tagged section,
    // throttle time, then one tagged field: tag 1, size 8, int64 5.
    const expected = hex("00000009" + "0000" + "02 0012 0000 0004 00" + "00000000" + "01 01 08 0000000000000005");
    expect(frame.subarray(4).toString("hex")).toBe(expected.toString("hex"));
    expect(frame.readInt32BE(0)).toBe(expected.length);
    const { correlationId, response } = decodeResponseFrame(frame.subarray(4), ApiKey.ApiVersions, 3);
    expect(correlationId).toBe(9);
    expect(response.finalizedFeaturesEpoch).toBe(5);
    expect(response.zkMigrationReady).toBe(false);
    expect(response.supportedFeatures).toEqual([]);
  });

  it("decodes an ApiVersions v3 response carrying an unknown tagged field", () => {
    const body = hex("0000" + "01" + "00000000" + "02" + "1f 02 abcd" + "03 01 01");
    const r = new Reader(body);
    const decoded = decodeApiVersionsResponse(r, 3);
    expect(decoded.zkMigrationReady).toBe(true);
    expect(decoded.apiKeys).toEqual([]);
    expect(r.remaining).toBe(0);
  });

  it("Metadata v1 request body (nullable topic array)", () => {
    const w = new Writer();
    encodeMetadataRequest(w, { topics: [{ name: "t" }] }, 1);
    expect(w.toBuffer().toString("hex")).toBe("00000001" + "0001" + "74");
    const all = new Writer();
    encodeMetadataRequest(all, { topics: null }, 1);
    expect(all.toBuffer().toString("hex")).toBe("ffffffff");
  });

  it("Produce v3 request header and body", () => {
    const records = Buffer.from([1, 2, 3]);
    const frame = concat(
      encodeRequestFrame(
        { requestApiKey: ApiKey.Produce, requestApiVersion: 3, correlationId: 42, clientId: "p" },
        {
          transactionalId: null,
          acks: -1,
          timeoutMs: 1000,
          topicData: [{ name: "t", partitionData: [{ index: 0, records }] }],
        },
      ),
    );
    const header = "0000 0003 0000002a 0001 70";
    const body = "ffff ffff 000003e8 00000001 0001 74 00000001 00000000 00000003 010203";
    const size = (hex(header).length + hex(body).length).toString(16).padStart(8, "0");
    expect(frame.toString("hex")).toBe(hex(size + header + body).toString("hex"));
  });

  it("Produce request keeps record bytes as a separate chunk (no copy)", () => {
    const records = Buffer.alloc(1000, 7);
    const chunks = encodeRequestFrame(
      { requestApiKey: ApiKey.Produce, requestApiVersion: 9, correlationId: 1, clientId: null },
      { acks: 1, timeoutMs: 1, topicData: [{ name: "t", partitionData: [{ index: 0, records: [records, records] }] }] },
    );
    expect(chunks.filter((c) => c === records)).toHaveLength(2);
    const decoded = decodeRequestFrame(Buffer.concat(chunks).subarray(4));
    const body = decoded.body as { topicData: { partitionData: { records: Buffer }[] }[] };
    expect(body.topicData[0]!.partitionData[0]!.records.length).toBe(2000);
  });

  it("Fetch v12 request with a root tagged field (cluster id)", () => {
    const w = new Writer();
    encodeFetchRequest(
      w,
      { clusterId: "k", maxWaitMs: 500, minBytes: 1, topics: [], rackId: "" },
      12,
    );
    // replicaId -1, maxWait, minBytes, maxBytes default, isolation 0, session 0, epoch -1,
    // topics [], forgotten [], rack "", tagged: count 1, tag 0, size 2, compact "k".
    const expected =
      "ffffffff 000001f4 00000001 7fffffff 00 00000000 ffffffff 01 01 01" + "01 00 02 02 6b";
    expect(w.toBuffer().toString("hex")).toBe(hex(expected).toString("hex"));
    expect(decodeFetchRequest(new Reader(w.toBuffer()), 12).clusterId).toBe("k");
  });

  it("tagged structs are written only when they differ from their default", () => {
    const partition = { partitionIndex: 0, errorCode: 0, highWatermark: 1, records: null };
    const encode = (extra: object) => {
      const w = new Writer();
      encodeFetchResponse(w, { responses: [{ topicId: ZERO_UUID, partitions: [{ ...partition, ...extra }] }] }, 16);
      return w.toBuffer();
    };
    const plain = encode({});
    expect(encode({ currentLeader: { leaderId: -1, leaderEpoch: -1 } }).equals(plain)).toBe(true);
    const withLeader = encode({ currentLeader: { leaderId: 3, leaderEpoch: 7 } });
    // One more tagged field: tag 1, size 9 (int32, int32, empty tagged section).
    expect(withLeader.length - plain.length).toBe(11);
    expect(withLeader.includes(hex("01 09 00000003 00000007 00"))).toBe(true);
  });

  it("nullable structs carry an int8 presence marker", () => {
    const w = new Writer();
    encodeDescribeTopicPartitionsRequest(w, { topics: [], responsePartitionLimit: 5, cursor: null }, 0);
    expect(w.toBuffer().toString("hex")).toBe("01" + "00000005" + "ff" + "00");
    const w2 = new Writer();
    encodeDescribeTopicPartitionsRequest(w2, { topics: [], responsePartitionLimit: 5, cursor: { topicName: "t", partitionIndex: 2 } }, 0);
    expect(w2.toBuffer().toString("hex")).toBe("01" + "00000005" + "01" + "0274" + "00000002" + "00" + "00");
  });

  it("ApiVersions v4 request body", () => {
    const w = new Writer();
    encodeApiVersionsRequest(w, { clientSoftwareName: "", clientSoftwareVersion: "" }, 4);
    expect(w.toBuffer().toString("hex")).toBe("010100");
  });
});
