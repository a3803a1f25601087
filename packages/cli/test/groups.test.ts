import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel, type Consumer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBrokerConfig, silentLogger, startBroker, type BrokerHandle } from "@samsa/broker";
import { newOffset, parseResetSpec, parseTopicSelectors } from "../src/commands/groups-reset.js";
import { runCli } from "./cli-harness.js";

const TOPIC = "cli-groups-topic";
const GROUP = "cli-groups-group";
const PER_PARTITION = 10;

describe("reset-offsets planning", () => {
  const bounds = { earliest: 5, latest: 50, current: 20 };
  it("computes each target and clamps it to the log", () => {
    expect(newOffset({ kind: "earliest" }, bounds)).toBe(5);
    expect(newOffset({ kind: "latest" }, bounds)).toBe(50);
    expect(newOffset({ kind: "offset", offset: 99 }, bounds)).toBe(50);
    expect(newOffset({ kind: "offset", offset: 1 }, bounds)).toBe(5);
    expect(newOffset({ kind: "shift", by: -30 }, bounds)).toBe(5);
    expect(newOffset({ kind: "shift", by: 7 }, bounds)).toBe(27);
    expect(newOffset({ kind: "shift", by: 1 }, { ...bounds, current: undefined })).toBe(6);
    expect(newOffset({ kind: "datetime", timestampMs: 0 }, { ...bounds, atTime: 12 })).toBe(12);
    expect(newOffset({ kind: "datetime", timestampMs: 0 }, bounds)).toBe(50);
  });

  it("parses the options", () => {
    expect(parseResetSpec({ "shift-by": -2 })).toEqual({ kind: "shift", by: -2 });
    expect(parseResetSpec({ "to-datetime": "2024-01-31T12:00:00Z" })).toEqual({ kind: "datetime", timestampMs: Date.parse("2024-01-31T12:00:00Z") });
    expect(() => parseResetSpec({})).toThrow(/exactly one/);
    expect(() => parseResetSpec({ "to-earliest": true, "to-latest": true })).toThrow(/exactly one/);
    expect(() => parseResetSpec({ "to-datetime": "yesterday" })).toThrow(/ISO-8601/);
    expect(parseTopicSelectors(["a", "b.c:0,2"])).toEqual([
      { topic: "a", partitions: null },
      { topic: "b.c", partitions: [0, 2] },
    ]);
    expect(() => parseTopicSelectors(["a:x"])).toThrow(/not a partition/);
  });
});

describe.sequential("samsa groups", () => {
  let broker: BrokerHandle;
  let dir: string;
  let bs: string[];
  let kafka: Kafka;
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "samsa-cli-groups-"));
    broker = await startBroker(
      loadBrokerConfig({ overrides: ["listeners=PLAINTEXT://127.0.0.1:0", `log.dirs=${dir}`, "group.initial.rebalance.delay.ms=100", "offsets.topic.num.partitions=3"] }),
      { logger: silentLogger() },
    );
    bs = ["--bootstrap-server", `127.0.0.1:${broker.port}`];
    kafka = new Kafka({ clientId: "cli-groups-test", brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING });
    expect((await runCli(["topics", "create", TOPIC, "--partitions", "3", ...bs])).code).toBe(0);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: TOPIC, messages: Array.from({ length: 3 * PER_PARTITION }, (_, i) => ({ partition: i % 3, value: `v${i}` })) });
    await producer.disconnect();
  });

  afterAll(async () => {
    await consumer?.disconnect().catch(() => undefined);
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists and describes an active group with offsets, lag and members", async () => {
    consumer = kafka.consumer({ groupId: GROUP, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    let read = 0;
    await consumer.run({ eachMessage: async () => void read++ });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const d = JSON.parse((await runCli(["groups", "describe", GROUP, "--json", ...bs])).stdout);
      if (read >= 3 * PER_PARTITION && d.partitions.length === 3 && d.partitions.every((p: { currentOffset: number }) => p.currentOffset === PER_PARTITION)) break;
      if (Date.now() > deadline) throw new Error(`group did not commit everything: ${JSON.stringify(d)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await runCli(["groups", "list", ...bs])).stdout.split("\n")).toContain(GROUP);
    expect((await runCli(["groups", "list", "--state", ...bs])).stdout).toMatch(new RegExp(`${GROUP}\\s+Stable`));
    const text = await runCli(["groups", "describe", GROUP, ...bs]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG\s+CONSUMER-ID\s+HOST\s+CLIENT-ID$/);
    expect(lines).toHaveLength(4);
    for (const line of lines.slice(1)) expect(line).toMatch(new RegExp(`^${GROUP}\\s+${TOPIC}\\s+\\d\\s+10\\s+10\\s+0\\s+cli-groups-test-\\S+\\s+/127.0.0.1\\s+cli-groups-test$`));

    const refused = await runCli(["groups", "reset-offsets", "--group", GROUP, "--topic", TOPIC, "--to-earliest", "--execute", ...bs]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("inactive, but the current state is Stable");
  });

  it("resets an inactive group's offsets (dry run first) and deletes the group", async () => {
    await consumer!.disconnect();
    consumer = undefined;
    const describe = async () => JSON.parse((await runCli(["groups", "describe", GROUP, "--json", ...bs])).stdout);
    expect((await describe()).state).toBe("Empty");

    const dry = await runCli(["groups", "reset-offsets", "--group", GROUP, "--topic", TOPIC, "--to-earliest", "--dry-run", ...bs]);
    expect(dry.code).toBe(0);
    expect(dry.stdout.trim().split("\n")).toEqual([
      "GROUP             TOPIC             PARTITION  NEW-OFFSET",
      `${GROUP}  ${TOPIC}          0           0`,
      `${GROUP}  ${TOPIC}          1           0`,
      `${GROUP}  ${TOPIC}          2           0`,
    ]);
    expect((await describe()).partitions.map((p: { currentOffset: number }) => p.currentOffset)).toEqual([10, 10, 10]);

    expect((await runCli(["groups", "reset-offsets", "--group", GROUP, "--topic", `${TOPIC}:0`, "--shift-by", "-3", "--execute", ...bs])).code).toBe(0);
    expect((await runCli(["groups", "reset-offsets", "--group", GROUP, "--topic", `${TOPIC}:1`, "--to-offset", "4", "--execute", ...bs])).code).toBe(0);
    expect((await runCli(["groups", "reset-offsets", "--group", GROUP, "--topic", `${TOPIC}:2`, "--to-datetime", "2000-01-01T00:00:00Z", "--execute", ...bs])).code).toBe(0);
    const after = await describe();
    expect(after.partitions.map((p: { partition: number; currentOffset: number; lag: number }) => [p.partition, p.currentOffset, p.lag])).toEqual([
      [0, 7, 3],
      [1, 4, 6],
      [2, 0, 10],
    ]);
    const json = JSON.parse((await runCli(["groups", "reset-offsets", "--group", GROUP, "--all-topics", "--to-latest", "--execute", "--json", ...bs])).stdout);
    expect(json.offsets).toEqual([0, 1, 2].map((partition) => ({ topic: TOPIC, partition, offset: PER_PARTITION })));

    expect((await runCli(["groups", "delete", GROUP, ...bs])).stdout).toBe(`Deletion of requested consumer groups ('${GROUP}') was successful.\n`);
    expect((await runCli(["groups", "list", ...bs])).stdout.split("\n")).not.toContain(GROUP);
    expect((await describe()).state).toBe("Dead");
  });
});
