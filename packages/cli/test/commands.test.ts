import net from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaClient } from "@samsa/client";
import { runCli, startTestBroker } from "./cli-harness.js";

let harness: Awaited<ReturnType<typeof startTestBroker>>;
let bs: string[];

beforeAll(async () => {
  harness = await startTestBroker();
  bs = ["--bootstrap-server", harness.bootstrap];
});

afterAll(async () => {
  await harness?.close();
});

describe("samsa topics", () => {
  it("creates, lists, describes, alters and deletes a topic (text output)", async () => {
    const create = await runCli(["topics", "create", "t-text", "--partitions", "2", "--replication-factor", "1", "--config", "retention.ms=60000", ...bs]);
    expect(create).toMatchObject({ code: 0, stdout: "Created topic t-text (2 partitions, replication factor 1).\n" });

    expect((await runCli(["topics", "list", ...bs])).stdout.split("\n")).toContain("t-text");

    const describe1 = await runCli(["topics", "describe", "t-text", ...bs]);
    expect(describe1.code).toBe(0);
    expect(describe1.stdout).toMatch(/^Topic: t-text\tTopicId: \S{22}\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: retention.ms=60000\n/);
    expect(describe1.stdout).toContain("PARTITION  LEADER  REPLICAS  ISR  OFFLINE\n");
    expect(describe1.stdout).toMatch(/\n {8}1 {7}1  1 {9}1 {4}-\n$/);

    const alter = await runCli(["topics", "alter-config", "t-text", "--set", "cleanup.policy=compact", "--delete", "retention.ms", ...bs]);
    expect(alter).toMatchObject({ code: 0, stdout: "Updated 2 configs of topic t-text.\n" });
    expect((await runCli(["topics", "describe", "t-text", ...bs])).stdout).toContain("Configs: cleanup.policy=compact\n");

    expect(await runCli(["topics", "add-partitions", "t-text", "--partitions", "3", ...bs])).toMatchObject({ code: 0, stdout: "Topic t-text now has 3 partitions.\n" });

    expect(await runCli(["topics", "delete", "t-text", ...bs])).toMatchObject({ code: 0, stdout: "Deleted topic t-text.\n" });
    expect((await runCli(["topics", "list", ...bs])).stdout.split("\n")).not.toContain("t-text");
  });

  it("prints the documented --json shapes", async () => {
    const created = JSON.parse((await runCli(["topics", "create", "t-json", "--partitions", "2", "--json", ...bs])).stdout);
    expect(created).toEqual({ topic: "t-json", created: true, topicId: expect.stringMatching(/^\S{22}$/), partitions: 2, replicationFactor: 1 });

    const again = await runCli(["topics", "create", "t-json", "--if-not-exists", "--json", ...bs]);
    expect(JSON.parse(again.stdout)).toEqual({ topic: "t-json", created: false });

    expect(JSON.parse((await runCli(["topics", "list", "--json", ...bs])).stdout)).toContain("t-json");

    const [described] = JSON.parse((await runCli(["topics", "describe", "t-json", "--json", ...bs])).stdout);
    const node = harness.broker.nodeId;
    expect(described).toEqual({
      name: "t-json",
      topicId: created.topicId,
      internal: false,
      partitionCount: 2,
      replicationFactor: 1,
      configs: {},
      partitions: [0, 1].map((partition) => ({ partition, leader: node, leaderEpoch: expect.any(Number), replicas: [node], isr: [node], offlineReplicas: [] })),
    });

    const altered = JSON.parse((await runCli(["topics", "alter-config", "t-json", "--set", "retention.ms=1000", "--json", ...bs])).stdout);
    expect(altered).toEqual({ topic: "t-json", altered: [{ name: "retention.ms", op: "set", value: "1000" }] });

    expect(JSON.parse((await runCli(["topics", "delete", "t-json", "--json", ...bs])).stdout)).toEqual({ topic: "t-json", deleted: true });
  });

  it("reports Kafka errors by name with exit status 1 and usage errors with 2", async () => {
    await runCli(["topics", "create", "t-dup", ...bs]);
    const dup = await runCli(["topics", "create", "t-dup", ...bs]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/^error: TOPIC_ALREADY_EXISTS \(36\): create topic 't-dup'/);

    const missing = await runCli(["topics", "describe", "t-missing", ...bs]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: UNKNOWN_TOPIC_OR_PARTITION \(3\): topic 't-missing'\n$/);

    const badPartitions = await runCli(["topics", "create", "t-bad", "--partitions", "0", ...bs]);
    expect(badPartitions.code).toBe(2);
    expect(badPartitions.stderr).toContain("--partitions must be a positive integer");

    const badConfig = await runCli(["topics", "create", "t-bad", "--config", "novalue", ...bs]);
    expect(badConfig.code).toBe(2);

    const noCommand = await runCli([]);
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toContain("name a command");

    const unreachable = await runCli(["topics", "list", "--bootstrap-server", "127.0.0.1:1"]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^error: NO_BROKER_AVAILABLE: could not connect/);
  });

  it("prints help listing every command", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    for (const cmd of ["server", "topics", "produce <topic>", "consume <topic>", "perf"]) expect(help.stdout).toContain(`samsa ${cmd}`);
  });
});

describe("samsa produce / consume", () => {
  it("produces stdin lines with keys and headers and consumes them back as JSON", async () => {
    await runCli(["topics", "create", "pc-lines", "--partitions", "3", ...bs]);
    const produced = await runCli(["produce", "pc-lines", "--key-separator", ":", "--header", "src=test", "--header", "n=1", "--json", ...bs], {
      stdin: "a:one\nb:two\nc:three\nno-key-line\n",
    });
    expect(produced.code).toBe(0);
    const summary = JSON.parse(produced.stdout);
    expect(summary.topic).toBe("pc-lines");
    expect(summary.records).toBe(4);
    expect(summary.partitions.reduce((n: number, p: { records: number }) => n + p.records, 0)).toBe(4);

    const consumed = await runCli(["consume", "pc-lines", "--from-beginning", "--max-messages", "4", "--json", ...bs]);
    expect(consumed.code).toBe(0);
    const records = consumed.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(records).toHaveLength(4);
    for (const r of records) {
      expect(Object.keys(r)).toEqual(["topic", "partition", "offset", "timestamp", "key", "value", "headers"]);
      expect(r.headers).toEqual([
        { key: "src", value: "test" },
        { key: "n", value: "1" },
      ]);
    }
    const byValue = Object.fromEntries(records.map((r: { value: string; key: string | null }) => [r.value, r.key]));
    expect(byValue).toEqual({ one: "a", two: "b", three: "c", "no-key-line": null });
  });

  it("targets a partition, reads from an offset and formats records", async () => {
    await runCli(["topics", "create", "pc-part", "--partitions", "2", ...bs]);
    const produced = await runCli(["produce", "pc-part", "--partition", "1", "--acks", "1", "--compression", "lz4", "--value", "x0", "--value", "x1", "--value", "x2", ...bs]);
    expect(produced.code).toBe(0);
    expect(produced.stderr).toContain("Produced 3 records to pc-part.\n  partition 1: 3 record(s), offsets 0..2\n");

    const fromOffset = await runCli(["consume", "pc-part", "--partition", "1", "--offset", "1", "--exit-at-end", "--format", "%p@%o=%v\\n", ...bs]);
    expect(fromOffset).toMatchObject({ code: 0, stdout: "1@1=x1\n1@2=x2\n" });

    const values = await runCli(["consume", "pc-part", "--from-beginning", "--exit-at-end", ...bs]);
    expect(values.stdout).toBe("x0\nx1\nx2\n");
    expect(values.stderr).toBe("Consumed 3 records.\n");
  });

  it("stops consuming after --timeout-ms without records", async () => {
    await runCli(["topics", "create", "pc-idle", ...bs]);
    const started = Date.now();
    const idle = await runCli(["consume", "pc-idle", "--timeout-ms", "300", ...bs]);
    expect(idle).toMatchObject({ code: 0, stdout: "" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("rejects inconsistent options", async () => {
    expect((await runCli(["consume", "pc-idle", "--offset", "5", ...bs])).stderr).toContain("--offset <number> needs --partition");
    expect((await runCli(["produce", "pc-idle", "--acks", "2", ...bs])).code).toBe(2);
    const unknown = await runCli(["produce", "pc-nope", "--value", "v", ...bs]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/UNKNOWN_TOPIC_OR_PARTITION/);
  });
});

describe("samsa perf", () => {
  it("produces and consumes a bounded number of records and reports rates and latency", async () => {
    await runCli(["topics", "create", "perf-t", "--partitions", "2", ...bs]);
    const produce = await runCli(["perf", "produce", "--topic", "perf-t", "--num-records", "3000", "--record-size", "100", "--batch-records", "200", "--json", ...bs]);
    expect(produce.code).toBe(0);
    const p = JSON.parse(produce.stdout);
    expect(p).toMatchObject({ records: 3000, bytes: 300_000 });
    expect(p.recordsPerSec).toBeGreaterThan(0);
    expect(Object.keys(p.latencyMs)).toEqual(["avg", "p50", "p95", "p99", "p999", "max"]);
    expect(p.latencyMs.p50).toBeLessThanOrEqual(p.latencyMs.p99);
    expect(p.latencyMs.p99).toBeLessThanOrEqual(p.latencyMs.max);

    const consume = await runCli(["perf", "consume", "--topic", "perf-t", "--messages", "3000", "--json", ...bs]);
    expect(consume.code).toBe(0);
    expect(JSON.parse(consume.stdout)).toMatchObject({ records: 3000, bytes: 300_000, latencyMs: null });

    const text = await runCli(["perf", "produce", "--topic", "perf-t", "--num-records", "500", "--record-size", "10", ...bs]);
    expect(text.stdout).toMatch(/^500 records sent, [\d.]+ records\/sec \([\d.]+ MB\/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, [\d.]+ ms 50th, [\d.]+ ms 95th, [\d.]+ ms 99th, [\d.]+ ms 99.9th\.\n$/);
  });

  it("perf consume fails when the records do not arrive in time", async () => {
    await runCli(["topics", "create", "perf-empty", ...bs]);
    const r = await runCli(["perf", "consume", "--topic", "perf-empty", "--messages", "10", "--max-duration-ms", "300", ...bs]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("only 0 of 10 records arrived");
  });
});

describe("samsa server start", () => {
  it("serves until interrupted, then closes cleanly", async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "samsa-cli-server-"));
    const stop = new AbortController();
    const running = runCli(["server", "start", "--override", `listeners=PLAINTEXT://127.0.0.1:${port}`, "--override", `log.dirs=${dir}`, "--override", "log.level=warn"], {
      signal: stop.signal,
    });
    try {
      const client = new KafkaClient({ bootstrapServers: `127.0.0.1:${port}`, maxAttempts: 1 });
      const deadline = Date.now() + 15_000;
      for (;;) {
        try {
          await client.connect();
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const md = await client.refreshMetadata([]);
      expect([...md.brokers.values()].map((b) => b.port)).toEqual([port]);
      await client.close();
    } finally {
      stop.abort();
      const result = await running;
      rmSync(dir, { recursive: true, force: true });
      expect(result.code).toBe(0);
    }
  });

  it("rejects an unknown property", async () => {
    const r = await runCli(["server", "start", "--override", "no.such.property=1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no.such.property");
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe("repeatable options", () => {
  it("do not swallow a positional that follows them", async () => {
    const r = await runCli(["topics", "create", "--config", "retention.ms=1000", "--config", "cleanup.policy=compact", "t-order", "--json", ...bs]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).topic).toBe("t-order");
    const [d] = JSON.parse((await runCli(["topics", "describe", "t-order", "--json", ...bs])).stdout);
    expect(d.configs).toEqual({ "retention.ms": "1000", "cleanup.policy": "compact" });
    const single = await runCli(["produce", "--header", "a=1", "t-order", "--value", "only", "--json", ...bs]);
    expect(JSON.parse(single.stdout).records).toBe(1);
  });
});
