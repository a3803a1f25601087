import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ApiKey, BatchField, ErrorCode, RecordBatchView, decodeResponseFrame } from "@samsa/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, stopTestBroker, type RunningBroker } from "./helpers/broker-fixture.js";
import { batchesOf, buildBatch } from "./helpers/record-batch.js";
import { TestClient } from "./helpers/test-client.js";

let b: RunningBroker;
let client: TestClient;

beforeAll(async () => {
  b = await startTestBroker(["log.segment.bytes=1048576", "num.partitions=2"]);
  client = await TestClient.connect(b.broker.port);
});
afterAll(async () => {
  client?.close();
  await stopTestBroker(b);
});

async function createTopic(name: string, numPartitions = 1, configs: Record<string, string> = {}) {
  const res = await client.send(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  return res.topics[0]!;
}

function produce(topic: string, partition: number, records: Buffer, version = 9, acks = -1) {
  return client.send(ApiKey.Produce, version, { transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
}

function fetchFrom(topic: string, partition: number, fetchOffset: number, opts: { maxWaitMs?: number; minBytes?: number; partitionMaxBytes?: number } = {}) {
  return client.send(ApiKey.Fetch, 12, {
    replicaId: -1,
    maxWaitMs: opts.maxWaitMs ?? 0,
    minBytes: opts.minBytes ?? 0,
    maxBytes: 50 * 1024 * 1024,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: opts.partitionMaxBytes ?? 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: "",
  });
}

function listOffset(topic: string, partition: number, timestamp: number) {
  return client
    .send(ApiKey.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp }] }] })
    .then((r) => r.topics[0]!.partitions[0]!);
}

describe("ApiVersions", () => {
  it("lists the registry's ranges", async () => {
    const res = await client.send(ApiKey.ApiVersions, 3, { clientSoftwareName: "test", clientSoftwareVersion: "1" });
    expect(res.errorCode).toBe(ErrorCode.NONE);
    const byKey = new Map(res.apiKeys.map((k) => [k.apiKey, k]));
    expect(byKey.get(ApiKey.Produce)).toMatchObject({ minVersion: 0, maxVersion: 11 });
    expect(byKey.get(ApiKey.Fetch)).toMatchObject({ minVersion: 4, maxVersion: 17 });
    expect(byKey.get(ApiKey.Metadata)).toMatchObject({ minVersion: 0, maxVersion: 12 });
    expect(byKey.get(ApiKey.ApiVersions)).toMatchObject({ minVersion: 0, maxVersion: 4 });
    expect(byKey.get(ApiKey.DescribeAcls)).toBeDefined();
    const v0 = await client.send(ApiKey.ApiVersions, 0, {});
    expect(v0.apiKeys.length).toBe(res.apiKeys.length);
  });

  it("answers a too-new ApiVersions with UNSUPPORTED_VERSION and the list in v0 (KIP-511)", async () => {
    const raw = await TestClient.connect(b.broker.port);
    const body = Buffer.alloc(4 + 8 + 2 + 1 + 1 + 1 + 1);
    let at = 0;
    body.writeInt32BE(body.length - 4, at);
    at += 4;
    body.writeInt16BE(ApiKey.ApiVersions, at);
    body.writeInt16BE(99, at + 2);
    body.writeInt32BE(77, at + 4);
    body.writeInt16BE(-1, at + 8); // null client id
    const frame = await raw.sendRaw(body, 77);
    const { correlationId, response } = decodeResponseFrame(frame, ApiKey.ApiVersions, 0);
    expect(correlationId).toBe(77);
    expect(response.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(response.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions)?.maxVersion).toBe(4);
    raw.close();
  });
});

describe("Metadata", () => {
  it("auto-creates requested topics with num.partitions and reports this broker", async () => {
    const res = await client.send(ApiKey.Metadata, 12, {
      topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: "auto-created" }],
      allowAutoTopicCreation: true,
      includeTopicAuthorizedOperations: false,
    });
    expect(res.brokers).toEqual([{ nodeId: 1, host: "127.0.0.1", port: b.broker.port, rack: null }]);
    expect(res.controllerId).toBe(1);
    expect(res.clusterId).toBe(b.broker.clusterId);
    const t = res.topics[0]!;
    expect(t.errorCode).toBe(ErrorCode.NONE);
    expect(t.topicId).not.toBe("AAAAAAAAAAAAAAAAAAAAAA");
    expect(t.partitions.map((p) => [p.partitionIndex, p.leaderId, p.replicaNodes, p.isrNodes, p.leaderEpoch])).toEqual([
      [0, 1, [1], [1], 0],
      [1, 1, [1], [1], 0],
    ]);
  });

  it("does not auto-create when the request forbids it, and rejects bad names", async () => {
    const res = await client.send(ApiKey.Metadata, 9, {
      topics: [{ name: "not-created" }, { name: "bad/name" }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    expect(res.topics.map((t) => t.errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_TOPIC_EXCEPTION]);
    const all = await client.send(ApiKey.Metadata, 1, { topics: null });
    expect(all.topics.map((t) => t.name)).not.toContain("not-created");
  });
});

describe("CreateTopics", () => {
  it("creates a topic, returns its configs, and refuses duplicates, bad configs and replication", async () => {
    const created = await createTopic("orders", 3, { "retention.ms": "3600000" });
    expect(created.errorCode).toBe(ErrorCode.NONE);
    expect(created.numPartitions).toBe(3);
    expect(created.configs?.find((c) => c.name === "retention.ms")).toMatchObject({ value: "3600000", configSource: 1 });
    expect((await createTopic("orders")).errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    expect((await createTopic("badconfig", 1, { "retention.ms": "forever" })).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await createTopic("unknownconfig", 1, { "no.such.config": "1" })).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await createTopic("zero", 0)).errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    const rf = await client.send(ApiKey.CreateTopics, 5, {
      topics: [{ name: "rf3", numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    expect(rf.topics[0]!.errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    const dry = await client.send(ApiKey.CreateTopics, 7, {
      topics: [{ name: "dry-run", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 1000,
      validateOnly: true,
    });
    expect(dry.topics[0]!.errorCode).toBe(ErrorCode.NONE);
    const meta = await client.send(ApiKey.Metadata, 1, { topics: null });
    expect(meta.topics.map((t) => t.name)).toContain("orders");
    expect(meta.topics.map((t) => t.name)).not.toContain("dry-run");
  });
});

describe("Produce and Fetch", () => {
  it("stores batches as sent and serves them back with offsets assigned", async () => {
    await createTopic("pf", 1);
    const first = await produce("pf", 0, buildBatch([{ key: "a", value: "1" }, { key: "b", value: "2" }]));
    const p0 = first.responses[0]!.partitionResponses[0]!;
    expect(p0).toMatchObject({ index: 0, errorCode: ErrorCode.NONE, baseOffset: 0, logStartOffset: 0 });
    const second = await produce("pf", 0, buildBatch([{ value: "3" }]), 3);
    expect(second.responses[0]!.partitionResponses[0]!.baseOffset).toBe(2);

    const fetched = await fetchFrom("pf", 0, 0);
    const part = fetched.responses[0]!.partitions[0]!;
    expect(part).toMatchObject({ errorCode: ErrorCode.NONE, highWatermark: 3, lastStableOffset: 3, logStartOffset: 0 });
    const batches = batchesOf(part.records);
    expect(batches.map((v) => [v.baseOffset, v.lastOffset, v.recordsCount, v.isCrcValid()])).toEqual([
      [0, 1, 2, true],
      [2, 2, 1, true],
    ]);
    expect(fetched.sessionId).toBe(0);

    const atEnd = await fetchFrom("pf", 0, 3);
    expect(batchesOf(atEnd.responses[0]!.partitions[0]!.records)).toEqual([]);
    const outOfRange = await fetchFrom("pf", 0, 10);
    expect(outOfRange.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    const unknown = await fetchFrom("nope", 0, 0);
    expect(unknown.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it("long-polls until an append arrives, and returns empty after MaxWaitMs", async () => {
    await createTopic("lp", 1);
    const started = Date.now();
    const waiting = fetchFrom("lp", 0, 0, { maxWaitMs: 10_000, minBytes: 1 });
    await new Promise((r) => setTimeout(r, 100));
    const other = await TestClient.connect(b.broker.port);
    await other.send(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: "lp", partitionData: [{ index: 0, records: buildBatch([{ value: "wake" }]) }] }],
    });
    other.close();
    const res = await waiting;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(batchesOf(res.responses[0]!.partitions[0]!.records)).toHaveLength(1);

    const t0 = Date.now();
    const empty = await fetchFrom("lp", 0, 1, { maxWaitMs: 300, minBytes: 1 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(batchesOf(empty.responses[0]!.partitions[0]!.records)).toEqual([]);
  });

  it("rejects a batch with a bad CRC with CORRUPT_MESSAGE and stores nothing", async () => {
    await createTopic("crc", 1);
    const batch = buildBatch([{ value: "payload" }]);
    batch[batch.length - 1] ^= 0xff;
    const res = await produce("crc", 0, batch);
    const p = res.responses[0]!.partitionResponses[0]!;
    expect(p.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(p.errorMessage).toMatch(/CRC/);
    expect((await listOffset("crc", 0, -1)).offset).toBe(0);
    const fetched = await fetchFrom("crc", 0, 0);
    expect(batchesOf(fetched.responses[0]!.partitions[0]!.records)).toEqual([]);
  });

  it("rejects an unknown compression codec with UNSUPPORTED_COMPRESSION_TYPE and stores nothing", async () => {
    await createTopic("codec", 1);
    const batch = buildBatch([{ value: "payload" }]);
    batch.writeInt16BE(0x07, BatchField.attributes);
    new RecordBatchView(batch).writeCrc();
    const res = await produce("codec", 0, batch);
    expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect((await listOffset("codec", 0, -1)).offset).toBe(0);
  });

  it("answers Produce v0-2 with UNSUPPORTED_VERSION, bad acks with INVALID_REQUIRED_ACKS, unknown partitions with UNKNOWN_TOPIC_OR_PARTITION", async () => {
    // segment.bytes above the batch size, so the batch limit is what trips
    await createTopic("oldprod", 1, { "segment.bytes": "10485760" });
    const v2 = await produce("oldprod", 0, buildBatch([{ value: "x" }]), 2);
    expect(v2.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    const acks = await produce("oldprod", 0, buildBatch([{ value: "x" }]), 9, 2);
    expect(acks.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS);
    const missing = await produce("oldprod", 7, buildBatch([{ value: "x" }]));
    expect(missing.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const tooBig = await produce("oldprod", 0, buildBatch([{ value: "x".repeat(1_100_000) }]));
    expect(tooBig.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect((await listOffset("oldprod", 0, -1)).offset).toBe(0);
  });

  it("assigns offsets in request order to pipelined produce requests", async () => {
    await createTopic("pipelined", 1);
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => produce("pipelined", 0, buildBatch([{ value: `r${i}` }]))));
    expect(responses.map((r) => r.responses[0]!.partitionResponses[0]!.baseOffset)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("acks=0 sends no response and pipelined requests still get theirs in order", async () => {
    await createTopic("acks0", 1);
    client.sendNoResponse(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: 0,
      timeoutMs: 1000,
      topicData: [{ name: "acks0", partitionData: [{ index: 0, records: buildBatch([{ value: "fire" }]) }] }],
    });
    const after = await listOffset("acks0", 0, -1);
    expect(after.offset).toBe(1);
  });
});

describe("ListOffsets", () => {
  it("answers earliest, latest, by timestamp and max timestamp", async () => {
    await createTopic("lo", 1);
    const t = 1_700_000_000_000;
    await produce("lo", 0, buildBatch([{ value: "a", timestampMs: t }, { value: "b", timestampMs: t + 10 }], t));
    await produce("lo", 0, buildBatch([{ value: "c", timestampMs: t + 100 }], t + 100));
    await produce("lo", 0, buildBatch([{ value: "d", timestampMs: t + 50 }], t + 50));
    expect(await listOffset("lo", 0, -2)).toMatchObject({ errorCode: 0, offset: 0, leaderEpoch: 0 });
    expect(await listOffset("lo", 0, -1)).toMatchObject({ errorCode: 0, offset: 4 });
    expect(await listOffset("lo", 0, t + 60)).toMatchObject({ errorCode: 0, offset: 2, timestamp: t + 100 });
    expect(await listOffset("lo", 0, -3)).toMatchObject({ errorCode: 0, offset: 2, timestamp: t + 100 });
    expect(await listOffset("lo", 0, t + 1000)).toMatchObject({ errorCode: 0, offset: -1, timestamp: -1 });
  });
});

describe("admin APIs", () => {
  it("DescribeConfigs reports values with their source", async () => {
    await createTopic("described", 1, { "cleanup.policy": "compact" });
    const res = await client.send(ApiKey.DescribeConfigs, 4, {
      resources: [
        { resourceType: 2, resourceName: "described", configurationKeys: ["cleanup.policy", "segment.bytes", "retention.ms"] },
        { resourceType: 2, resourceName: "missing-topic", configurationKeys: null },
        { resourceType: 4, resourceName: "1", configurationKeys: ["log.segment.bytes", "num.network.threads"] },
      ],
      includeSynonyms: true,
      includeDocumentation: false,
    });
    const [topic, missing, broker] = res.results;
    const byName = new Map(topic!.configs.map((c) => [c.name, c]));
    expect(byName.get("cleanup.policy")).toMatchObject({ value: "compact", configSource: 1 });
    expect(byName.get("segment.bytes")).toMatchObject({ value: "1048576", configSource: 4 });
    expect(byName.get("segment.bytes")!.synonyms!.map((s) => s.name)).toEqual(["log.segment.bytes", "log.segment.bytes"]);
    expect(byName.get("retention.ms")).toMatchObject({ value: "604800000", configSource: 5 });
    expect(missing!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(new Map(broker!.configs.map((c) => [c.name, c.configSource]))).toEqual(new Map([["log.segment.bytes", 4], ["num.network.threads", 5]]));
  });

  it("AlterConfigs and IncrementalAlterConfigs change topic overrides with validation", async () => {
    await createTopic("altered", 1);
    const inc = await client.send(ApiKey.IncrementalAlterConfigs, 1, {
      resources: [{ resourceType: 2, resourceName: "altered", configs: [{ name: "retention.ms", configOperation: 0, value: "1000" }, { name: "cleanup.policy", configOperation: 2, value: "compact" }] }],
      validateOnly: false,
    });
    expect(inc.responses[0]!.errorCode).toBe(ErrorCode.NONE);
    const bad = await client.send(ApiKey.IncrementalAlterConfigs, 0, {
      resources: [{ resourceType: 2, resourceName: "altered", configs: [{ name: "retention.ms", configOperation: 0, value: "-5" }] }],
      validateOnly: false,
    });
    expect(bad.responses[0]!.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    const describe = async () =>
      new Map(
        (
          await client.send(ApiKey.DescribeConfigs, 1, { resources: [{ resourceType: 2, resourceName: "altered", configurationKeys: ["retention.ms", "cleanup.policy"] }], includeSynonyms: false })
        ).results[0]!.configs.map((c) => [c.name, c.value]),
      );
    expect(await describe()).toEqual(new Map([["cleanup.policy", "delete,compact"], ["retention.ms", "1000"]]));
    const legacy = await client.send(ApiKey.AlterConfigs, 1, {
      resources: [{ resourceType: 2, resourceName: "altered", configs: [{ name: "segment.ms", value: "60000" }] }],
      validateOnly: false,
    });
    expect(legacy.responses[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(await describe()).toEqual(new Map([["cleanup.policy", "delete"], ["retention.ms", "604800000"]]));
  });

  it("CreatePartitions grows a topic", async () => {
    await createTopic("grow", 1);
    const res = await client.send(ApiKey.CreatePartitions, 3, { topics: [{ name: "grow", count: 3, assignments: null }, { name: "ghost", count: 2, assignments: null }], timeoutMs: 1000, validateOnly: false });
    expect(res.results.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    const shrink = await client.send(ApiKey.CreatePartitions, 0, { topics: [{ name: "grow", count: 2, assignments: null }], timeoutMs: 1000, validateOnly: false });
    expect(shrink.results[0]!.errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    expect((await produce("grow", 2, buildBatch([{ value: "x" }]))).responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
  });

  it("DeleteRecords moves the log start offset", async () => {
    await createTopic("trim", 1);
    await produce("trim", 0, buildBatch([{ value: "a" }, { value: "b" }, { value: "c" }]));
    const res = await client.send(ApiKey.DeleteRecords, 2, { topics: [{ name: "trim", partitions: [{ partitionIndex: 0, offset: 2 }] }], timeoutMs: 1000 });
    expect(res.topics[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, lowWatermark: 2 });
    expect((await listOffset("trim", 0, -2)).offset).toBe(2);
    const beyond = await client.send(ApiKey.DeleteRecords, 0, { topics: [{ name: "trim", partitions: [{ partitionIndex: 0, offset: 99 }] }], timeoutMs: 1000 });
    expect(beyond.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  });

  it("DeleteTopics removes the topic and its files", async () => {
    await createTopic("doomed", 2);
    await produce("doomed", 0, buildBatch([{ value: "a" }]));
    const dirsBefore = readdirSync(b.dir).filter((d) => d.startsWith("doomed-"));
    expect(dirsBefore.sort()).toEqual(["doomed-0", "doomed-1"]);
    const res = await client.send(ApiKey.DeleteTopics, 4, { topicNames: ["doomed", "never-existed"], timeoutMs: 1000 });
    expect(res.responses.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(readdirSync(b.dir).filter((d) => d.startsWith("doomed-"))).toEqual([]);
    expect(existsSync(join(b.dir, "doomed-0"))).toBe(false);
    const meta = await client.send(ApiKey.Metadata, 4, { topics: [{ name: "doomed" }], allowAutoTopicCreation: false });
    expect(meta.topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it("DescribeCluster, DescribeAcls, DescribeLogDirs and OffsetForLeaderEpoch", async () => {
    const cluster = await client.send(ApiKey.DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    expect(cluster).toMatchObject({ errorCode: 0, clusterId: b.broker.clusterId, controllerId: 1 });
    expect(cluster.brokers).toEqual([{ brokerId: 1, host: "127.0.0.1", port: b.broker.port, rack: null }]);
    const acls = await client.send(ApiKey.DescribeAcls, 1, { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 });
    expect(acls.errorCode).toBe(ErrorCode.SECURITY_DISABLED);
    await createTopic("sized", 1);
    await produce("sized", 0, buildBatch([{ value: "abc" }]));
    const dirs = await client.send(ApiKey.DescribeLogDirs, 4, { topics: [{ topic: "sized", partitions: [0] }] });
    const sized = dirs.results[0]!.topics.find((t) => t.name === "sized")!;
    expect(sized.partitions[0]!.partitionSize).toBeGreaterThan(61);
    expect(dirs.results[0]!.totalBytes).toBeGreaterThan(0);
    const epochs = await client.send(ApiKey.OffsetForLeaderEpoch, 4, { replicaId: -1, topics: [{ topic: "sized", partitions: [{ partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }] }] });
    expect(epochs.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, leaderEpoch: 0, endOffset: 1 });
  });
});

describe("protocol errors", () => {
  it("closes the connection on an unknown API key and keeps serving others", async () => {
    const bad = await TestClient.connect(b.broker.port);
    const frame = Buffer.alloc(14);
    frame.writeInt32BE(10, 0);
    frame.writeInt16BE(9999, 4);
    frame.writeInt16BE(0, 6);
    frame.writeInt32BE(1, 8);
    frame.writeInt16BE(-1, 12);
    bad.writeRaw(frame);
    expect(await bad.waitClosed()).toBe(true);
    const ok = await client.send(ApiKey.ApiVersions, 0, {});
    expect(ok.errorCode).toBe(0);
  });

  it("closes the connection on a truncated request body", async () => {
    const bad = await TestClient.connect(b.broker.port);
    const frame = Buffer.alloc(4 + 12);
    frame.writeInt32BE(12, 0);
    frame.writeInt16BE(ApiKey.Metadata, 4);
    frame.writeInt16BE(1, 6);
    frame.writeInt32BE(5, 8);
    frame.writeInt16BE(-1, 12);
    frame.writeInt16BE(0x7fff, 14); // claims a topics array it does not carry
    bad.writeRaw(frame);
    expect(await bad.waitClosed()).toBe(true);
  });
});
