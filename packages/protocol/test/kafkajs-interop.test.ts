import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  buildRecordBatch,
  Compression,
  decodeProduceRequest,
  encodeMetadataResponse,
  readRecords,
  Reader,
  splitBatches,
  Writer,
} from "@samsa/protocol";

// Cross-checks against kafkajs 2.2.4's own protocol encoders/decoders: bytes a
// real client writes must decode here, and bytes written here must decode there.
const require = createRequire(import.meta.url);
const produceV3 = require("kafkajs/src/protocol/requests/produce/v3/request.js") as (args: unknown) => {
  encode: () => Promise<{ buffer: Buffer }>;
};
const metadataV6 = require("kafkajs/src/protocol/requests/metadata/v6/response.js") as {
  decode: (buf: Buffer) => Promise<Record<string, unknown>>;
};
const KafkaJsDecoder = require("kafkajs/src/protocol/decoder.js") as new (buf: Buffer) => unknown;
const decodeKafkaJsBatch = require("kafkajs/src/protocol/recordBatch/v0/decoder.js") as (
  d: unknown,
) => Promise<{ records: { key: Buffer | null; value: Buffer | null; offset: string; headers: Record<string, Buffer> }[] }>;
const { Types: KafkaJsCompression } = require("kafkajs/src/protocol/message/compression/index.js") as {
  Types: { None: number; GZIP: number };
};

describe("kafkajs interop", () => {
  for (const [name, compression] of [
    ["uncompressed", KafkaJsCompression.None],
    ["gzip", KafkaJsCompression.GZIP],
  ] as const) {
    it(`decodes a kafkajs Produce v3 request (${name})`, async () => {
      const request = produceV3({
        acks: -1,
        timeout: 30000,
        compression,
        topicData: [
          {
            topic: "orders",
            partitions: [
              {
                partition: 2,
                messages: [
                  { key: "k1", value: "v1", timestamp: 1_700_000_000_000, headers: { h: "x" } },
                  { key: null, value: "v2", timestamp: 1_700_000_000_005 },
                ],
              },
            ],
          },
        ],
      });
      const { buffer } = await request.encode();
      const r = new Reader(buffer);
      const decoded = decodeProduceRequest(r, 3);
      expect(r.remaining).toBe(0);
      expect(decoded.acks).toBe(-1);
      expect(decoded.timeoutMs).toBe(30000);
      const partition = decoded.topicData[0]!.partitionData[0]!;
      expect(decoded.topicData[0]!.name).toBe("orders");
      expect(partition.index).toBe(2);
      const [batch, ...rest] = splitBatches(partition.records as Buffer);
      expect(rest).toHaveLength(0);
      const records = readRecords(batch!);
      expect(records.map((x) => x.value!.toString())).toEqual(["v1", "v2"]);
      expect(records[0]!.key!.toString()).toBe("k1");
      expect(records[1]!.key).toBeNull();
      expect(records[0]!.headers).toEqual([{ key: "h", value: Buffer.from("x") }]);
      expect(records.map((x) => x.timestamp)).toEqual([1_700_000_000_000, 1_700_000_000_005]);
    });
  }

  it("kafkajs decodes batches built here", async () => {
    const batch = buildRecordBatch({
      baseOffset: 41,
      timestamp: 1_700_000_000_000,
      records: [
        { key: "a", value: "1", headers: [{ key: "trace", value: "t-1" }] },
        { key: null, value: "2" },
      ],
      compression: Compression.gzip,
    });
    const { records } = await decodeKafkaJsBatch(new KafkaJsDecoder(batch));
    expect(records.map((x) => [x.offset, x.key?.toString() ?? null, x.value?.toString()])).toEqual([
      ["41", "a", "1"],
      ["42", null, "2"],
    ]);
    expect(records[0]!.headers.trace!.toString()).toBe("t-1");
  });

  it("kafkajs decodes a Metadata v6 response encoded here", async () => {
    const w = new Writer();
    // kafkajs decoders read the response body after the correlation id.
    encodeMetadataResponse(
      w,
      {
        throttleTimeMs: 0,
        brokers: [{ nodeId: 1, host: "127.0.0.1", port: 9092, rack: null }],
        clusterId: "cluster-a",
        controllerId: 1,
        topics: [
          {
            errorCode: 0,
            name: "orders",
            isInternal: false,
            partitions: [
              { errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] },
            ],
          },
        ],
      },
      6,
    );
    const decoded = (await metadataV6.decode(w.toBuffer())) as {
      brokers: { nodeId: number; host: string; port: number }[];
      clusterId: string;
      topicMetadata: { topic: string; partitionMetadata: { partitionId: number; leader: number; isr: number[] }[] }[];
    };
    expect(decoded.brokers).toEqual([{ nodeId: 1, host: "127.0.0.1", port: 9092, rack: null }]);
    expect(decoded.clusterId).toBe("cluster-a");
    expect(decoded.topicMetadata[0]!.topic).toBe("orders");
    expect(decoded.topicMetadata[0]!.partitionMetadata[0]).toMatchObject({ partitionId: 0, leader: 1, isr: [1] });
  });
});
