import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Admin, BrokerError, KafkaClient } from "@samsa/client";
import { startTestBroker } from "./broker-harness.js";

let harness: Awaited<ReturnType<typeof startTestBroker>>;
let client: KafkaClient;
let admin: Admin;

beforeAll(async () => {
  harness = await startTestBroker();
  client = new KafkaClient({ bootstrapServers: harness.bootstrap, requestTimeoutMs: 10_000 });
  admin = new Admin(client, { timeoutMs: 10_000 });
});

afterAll(async () => {
  await client?.close();
  await harness?.close();
});

describe("Admin against an in-process broker", () => {
  it("describes the cluster", async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(cluster.brokers).toEqual([{ nodeId: harness.broker.nodeId, host: "127.0.0.1", port: harness.broker.port, rack: null }]);
  });

  it("creates, lists, describes and deletes a topic", async () => {
    const [created] = await admin.createTopics([{ name: "admin-a", numPartitions: 3, replicationFactor: 1, configs: { "retention.ms": "3600000" } }]);
    expect(created).toMatchObject({ name: "admin-a", numPartitions: 3, replicationFactor: 1 });
    expect(created!.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/);

    expect(await admin.listTopics()).toContain("admin-a");
    const [description] = await admin.describeTopics(["admin-a"]);
    expect(description!.partitions.map((p) => [p.partition, p.leader, p.replicas, p.isr])).toEqual([
      [0, harness.broker.nodeId, [harness.broker.nodeId], [harness.broker.nodeId]],
      [1, harness.broker.nodeId, [harness.broker.nodeId], [harness.broker.nodeId]],
      [2, harness.broker.nodeId, [harness.broker.nodeId], [harness.broker.nodeId]],
    ]);

    const [configs] = await admin.describeConfigs([{ type: "topic", name: "admin-a" }]);
    const retention = configs!.entries.find((e) => e.name === "retention.ms");
    expect(retention).toMatchObject({ value: "3600000", source: "DYNAMIC_TOPIC_CONFIG", isDefault: false });

    await admin.deleteTopics(["admin-a"]);
    expect(await admin.listTopics()).not.toContain("admin-a");
  });

  it("reports Kafka errors by name", async () => {
    await admin.createTopics([{ name: "admin-dup", numPartitions: 1 }]);
    const err = await admin.createTopics([{ name: "admin-dup", numPartitions: 1 }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BrokerError);
    expect(err).toMatchObject({ errorName: "TOPIC_ALREADY_EXISTS", errorCode: 36, retriable: false });
    await expect(admin.describeTopics(["no-such-topic"])).rejects.toMatchObject({ errorName: "UNKNOWN_TOPIC_OR_PARTITION" });
    await expect(admin.deleteTopics(["no-such-topic"])).rejects.toMatchObject({ errorName: "UNKNOWN_TOPIC_OR_PARTITION" });
  });

  it("alters topic configs incrementally and wholesale", async () => {
    await admin.createTopics([{ name: "admin-cfg", numPartitions: 1 }]);
    const topicConfigs = async () =>
      Object.fromEntries((await admin.describeConfigs([{ type: "topic", name: "admin-cfg" }]))[0]!.entries.filter((e) => e.source === "DYNAMIC_TOPIC_CONFIG").map((e) => [e.name, e.value]));

    await admin.incrementalAlterConfigs({ type: "topic", name: "admin-cfg" }, [
      { name: "cleanup.policy", op: "set", value: "compact" },
      { name: "retention.ms", op: "set", value: "1000" },
    ]);
    expect(await topicConfigs()).toEqual({ "cleanup.policy": "compact", "retention.ms": "1000" });

    await admin.incrementalAlterConfigs({ type: "topic", name: "admin-cfg" }, [{ name: "retention.ms", op: "delete" }]);
    expect(await topicConfigs()).toEqual({ "cleanup.policy": "compact" });

    await admin.alterConfigs({ type: "topic", name: "admin-cfg" }, { "segment.bytes": "1048576" });
    expect(await topicConfigs()).toEqual({ "segment.bytes": "1048576" });

    await expect(admin.incrementalAlterConfigs({ type: "topic", name: "admin-cfg" }, [{ name: "no.such.config", op: "set", value: "1" }])).rejects.toBeInstanceOf(BrokerError);
  });

  it("adds partitions", async () => {
    await admin.createTopics([{ name: "admin-grow", numPartitions: 1 }]);
    await admin.createPartitions("admin-grow", 4);
    const [t] = await admin.describeTopics(["admin-grow"]);
    expect(t!.partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3]);
    await expect(admin.createPartitions("admin-grow", 2)).rejects.toMatchObject({ errorName: "INVALID_PARTITIONS" });
  });
});
