import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { leaderImbalanceCheckIntervalMs } from "../src/metadata/quorum-config.js";
import { ConfigError, loadBrokerConfig, resolveTopicConfigs, validateTopicConfigs, InvalidTopicConfigError, ConfigSourceCode } from "@samsa/broker";

function propertiesFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "samsa-config-"));
  const path = join(dir, "server.properties");
  writeFileSync(path, text);
  return path;
}

describe("loadBrokerConfig", () => {
  it("has single-node defaults", () => {
    const c = loadBrokerConfig();
    expect(c.nodeId).toBe(1);
    expect(c.processRoles).toEqual(["broker", "controller"]);
    expect(c.listeners).toEqual([{ name: "PLAINTEXT", host: "localhost", port: 9092, securityProtocol: "PLAINTEXT" }]);
    expect(c.advertisedListeners).toEqual(c.listeners);
    expect(c.logDirs).toEqual(["./data"]);
    expect(c.socketRequestMaxBytes).toBe(100 * 1024 * 1024);
    expect(c.logRetentionMs).toBe(168 * 3_600_000);
    expect(c.autoCreateTopicsEnable).toBe(true);
  });

  it("turns auto.leader.rebalance.enable and leader.imbalance.check.interval.seconds into the controller's preferred-election interval", () => {
    expect(leaderImbalanceCheckIntervalMs(loadBrokerConfig())).toBe(300_000);
    expect(leaderImbalanceCheckIntervalMs(loadBrokerConfig({ overrides: ["leader.imbalance.check.interval.seconds=5"] }))).toBe(5_000);
    expect(leaderImbalanceCheckIntervalMs(loadBrokerConfig({ overrides: ["auto.leader.rebalance.enable=false", "leader.imbalance.check.interval.seconds=5"] }))).toBe(0);
    expect(() => loadBrokerConfig({ overrides: ["leader.imbalance.check.interval.seconds=0"] })).toThrow(/leader\.imbalance\.check\.interval\.seconds/);
  });

  it("reads a server.properties file with comments, separators and continuations", () => {
    const path = propertiesFile(
      [
        "# a comment",
        "! another",
        "node.id=3",
        "listeners = PLAINTEXT://:19092,CONTROLLER://:19093",
        "log.dirs: /tmp/a,\\",
        "   /tmp/b",
        "num.partitions 4",
        "log.retention.hours=1",
        "num.network.threads=3",
      ].join("\n"),
    );
    const c = loadBrokerConfig({ configFile: path });
    expect(c.nodeId).toBe(3);
    expect(c.listeners.map((l) => `${l.name}:${l.port}`)).toEqual(["PLAINTEXT:19092"]);
    expect(c.controllerListeners.map((l) => l.name)).toEqual(["CONTROLLER"]);
    expect(c.logDirs).toEqual(["/tmp/a", "/tmp/b"]);
    expect(c.numPartitions).toBe(4);
    expect(c.logRetentionMs).toBe(3_600_000);
    expect(c.sources.get("num.partitions")).toBe("file");
  });

  it("applies defaults < file < env < override", () => {
    const path = propertiesFile("num.partitions=2\nlog.dirs=/from/file\nmessage.max.bytes=1000\n");
    const c = loadBrokerConfig({
      configFile: path,
      env: { SAMSA_LOG_DIRS: "/from/env", SAMSA_MESSAGE_MAX_BYTES: "2000", PATH: "/bin" },
      overrides: ["message.max.bytes=3000"],
    });
    expect(c.numPartitions).toBe(2);
    expect(c.logDirs).toEqual(["/from/env"]);
    expect(c.values.get("message.max.bytes")).toBe(3000);
    expect(c.sources.get("message.max.bytes")).toBe("override");
    expect(c.sources.get("log.dirs")).toBe("env");
  });

  it("rejects unknown keys from every source, naming the key", () => {
    expect(() => loadBrokerConfig({ overrides: ["no.such.key=1"] })).toThrow(/no\.such\.key/);
    expect(() => loadBrokerConfig({ env: { SAMSA_NO_SUCH_KEY: "1" } })).toThrow(/SAMSA_NO_SUCH_KEY/);
    const path = propertiesFile("bogus.setting=1\n");
    expect(() => loadBrokerConfig({ configFile: path })).toThrow(ConfigError);
    try {
      loadBrokerConfig({ configFile: path });
    } catch (err) {
      expect((err as ConfigError).key).toBe("bogus.setting");
    }
  });

  it("rejects invalid values, naming the key", () => {
    const cases: Array<[string, string]> = [
      ["num.partitions=zero", "num.partitions"],
      ["num.partitions=0", "num.partitions"],
      ["auto.create.topics.enable=yes", "auto.create.topics.enable"],
      ["listeners=localhost:9092", "listeners"],
      ["listeners=SSL://:9093", "listeners"],
      ["log.cleanup.policy=shred", "log.cleanup.policy"],
      ["process.roles=worker", "process.roles"],
      ["socket.request.max.bytes=99999999999", "socket.request.max.bytes"],
    ];
    for (const [override, key] of cases) {
      let caught: unknown;
      try {
        loadBrokerConfig({ overrides: [override] });
      } catch (err) {
        caught = err;
      }
      expect(caught, override).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).key, override).toBe(key);
    }
  });

  it("derives advertised listeners and keeps explicit ones", () => {
    const c = loadBrokerConfig({ overrides: ["listeners=PLAINTEXT://0.0.0.0:9092", "advertised.listeners=PLAINTEXT://kafka.example:9092"] });
    expect(c.advertisedListeners[0]).toMatchObject({ host: "kafka.example", port: 9092 });
    expect(() => loadBrokerConfig({ overrides: ["advertised.listeners=OTHER://x:1"] })).toThrow(/advertised.listeners/);
  });
});

describe("topic configs", () => {
  it("reports sources: topic override, static broker config, default", () => {
    const broker = loadBrokerConfig({ overrides: ["log.retention.ms=1000"] });
    const resolved = new Map(resolveTopicConfigs(broker, { "segment.bytes": "1048576" }).map((r) => [r.name, r]));
    expect(resolved.get("segment.bytes")).toMatchObject({ value: "1048576", source: ConfigSourceCode.TOPIC_CONFIG });
    expect(resolved.get("retention.ms")).toMatchObject({ value: "1000", source: ConfigSourceCode.STATIC_BROKER_CONFIG });
    expect(resolved.get("cleanup.policy")).toMatchObject({ value: "delete", source: ConfigSourceCode.DEFAULT_CONFIG });
    expect(resolved.get("flush.messages")?.value).toBe("1");
    expect(resolved.get("max.compaction.lag.ms")?.value).toBe("9223372036854775807");
  });

  it("validates names and values with INVALID_CONFIG", () => {
    expect(validateTopicConfigs({ "retention.ms": "-1", "cleanup.policy": "compact,delete" })).toEqual({
      "retention.ms": "-1",
      "cleanup.policy": "compact,delete",
    });
    expect(() => validateTopicConfigs({ "retention.ms": "soon" })).toThrow(InvalidTopicConfigError);
    expect(() => validateTopicConfigs({ "segment.bytes": "1" })).toThrow(/segment.bytes/);
    expect(() => validateTopicConfigs({ "made.up": "1" })).toThrow(/made.up/);
    try {
      validateTopicConfigs({ "cleanup.policy": "shred" });
    } catch (err) {
      expect((err as InvalidTopicConfigError).errorCode).toBe(40);
    }
  });
});

describe("stock Kafka KRaft server.properties", () => {
  it("starts unchanged", () => {
    const path = propertiesFile(`
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:9093
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://localhost:9092
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600
log.dirs=/tmp/kraft-combined-logs
num.partitions=1
num.recovery.threads.per.data.dir=1
offsets.topic.replication.factor=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
log.retention.hours=168
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
`);
    const c = loadBrokerConfig({ configFile: path });
    expect(c.listeners.map((l) => `${l.name}://${l.host}:${l.port}`)).toEqual(["PLAINTEXT://:9092"]);
    expect(c.advertisedListeners[0]).toMatchObject({ host: "localhost", port: 9092 });
    expect(c.controllerQuorumVoters).toEqual(["1@localhost:9093"]);
  });

  it("rejects ZooKeeper-mode keys by name", () => {
    expect(() => loadBrokerConfig({ overrides: ["zookeeper.connect=localhost:2181"] })).toThrow(/zookeeper.connect/);
  });
});
