import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiKey, ErrorCode } from "@samsa/protocol";
import { describe, expect, it } from "vitest";
import { ConfigError, loadBrokerConfig, silentLogger, startBroker } from "@samsa/broker";
import { startTestBroker, stopTestBroker } from "./helpers/broker-fixture.js";
import { batchesOf, buildBatch } from "./helpers/record-batch.js";
import { TestClient } from "./helpers/test-client.js";

describe("broker lifecycle", () => {
  it("keeps topics, configs and records across a clean restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "samsa-restart-"));
    let running = await startTestBroker([], dir);
    let client = await TestClient.connect(running.broker.port);
    const created = await client.send(ApiKey.CreateTopics, 7, {
      topics: [{ name: "durable", numPartitions: 2, replicationFactor: 1, assignments: [], configs: [{ name: "retention.ms", value: "123456" }] }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    const topicId = created.topics[0]!.topicId;
    await client.send(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: "durable", partitionData: [{ index: 1, records: buildBatch([{ value: "kept" }, { value: "also kept" }]) }] }],
    });
    const clusterId = running.broker.clusterId;
    client.close();
    await stopTestBroker(running, false);

    running = await startTestBroker([], dir);
    try {
      expect(running.broker.clusterId).toBe(clusterId);
      client = await TestClient.connect(running.broker.port);
      const meta = await client.send(ApiKey.Metadata, 12, { topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: "durable" }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      expect(meta.topics[0]).toMatchObject({ errorCode: 0, topicId });
      expect(meta.topics[0]!.partitions).toHaveLength(2);
      const configs = await client.send(ApiKey.DescribeConfigs, 1, { resources: [{ resourceType: 2, resourceName: "durable", configurationKeys: ["retention.ms"] }], includeSynonyms: false });
      expect(configs.results[0]!.configs[0]).toMatchObject({ value: "123456", configSource: 1 });
      const fetched = await client.send(ApiKey.Fetch, 11, {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic: "durable", partitions: [{ partition: 1, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
        forgottenTopicsData: [],
        rackId: "",
      });
      const part = fetched.responses[0]!.partitions[0]!;
      expect(part.errorCode).toBe(ErrorCode.NONE);
      expect(part.highWatermark).toBe(2);
      expect(batchesOf(part.records).map((b) => b.recordsCount)).toEqual([2]);
      client.close();
    } finally {
      await stopTestBroker(running);
    }
  });

  it("serves Prometheus metrics with per-API and per-topic series", async () => {
    const running = await startTestBroker(["metrics.port=0", "metrics.host=127.0.0.1"]);
    try {
      const client = await TestClient.connect(running.broker.port);
      await client.send(ApiKey.Metadata, 4, { topics: [{ name: "metered" }], allowAutoTopicCreation: true });
      await client.send(ApiKey.Produce, 9, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 1000,
        topicData: [{ name: "metered", partitionData: [{ index: 0, records: buildBatch([{ value: "a" }, { value: "b" }, { value: "c" }]) }] }],
      });
      client.close();
      const res = await fetch(`http://127.0.0.1:${running.broker.metricsPort}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(/kafka_server_brokertopicmetrics_messagesin_total\{topic="metered"\} 3/);
      expect(text).toMatch(/kafka_network_requestmetrics_requests_total\{request="Produce",version="9"\} 1/);
      expect(text).toMatch(/kafka_network_requestmetrics_totaltimems_count\{request="Metadata"\} 1/);
      expect(text).toMatch(/kafka_server_brokertopicmetrics_bytesin_total\{topic="metered"\} \d+/);
      expect((await fetch(`http://127.0.0.1:${running.broker.metricsPort}/other`)).status).toBe(404);
    } finally {
      await stopTestBroker(running);
    }
  });

  it("refuses a broker-only node without controller.quorum.voters, naming the key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "samsa-roles-"));
    try {
      const config = loadBrokerConfig({ overrides: ["process.roles=broker", "listeners=PLAINTEXT://127.0.0.1:0", `log.dirs=${dir}`] });
      await expect(startBroker(config, { logger: silentLogger() })).rejects.toMatchObject({ name: "ConfigError", key: "controller.quorum.voters" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("close() answers a waiting long-poll instead of dropping it", async () => {
    const running = await startTestBroker(["num.partitions=1"]);
    const client = await TestClient.connect(running.broker.port);
    await client.send(ApiKey.Metadata, 4, { topics: [{ name: "waiting" }], allowAutoTopicCreation: true });
    const waiting = client.send(ApiKey.Fetch, 4, {
      replicaId: -1,
      maxWaitMs: 30_000,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      topics: [{ topic: "waiting", partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    });
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await stopTestBroker(running);
    const res = await waiting;
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(res.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
  });
});
