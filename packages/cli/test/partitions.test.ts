import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startClusterProcesses, type ClusterProcesses } from "@samsa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../src/args.js";
import { formatPlan, generatePlan, parsePlan } from "../src/commands/partitions-plan.js";
import { runCli } from "./cli-harness.js";

describe("reassignment plans", () => {
  it("generates a balanced, reproducible placement with the same replication factor", () => {
    const current = [0, 1, 2, 3, 4, 5].map((partition) => ({ topic: "t", partition, replicas: [1, 2] }));
    const proposed = generatePlan(current, [3, 1, 2]);
    expect(proposed.map((p) => p.replicas)).toEqual([
      [1, 2],
      [2, 3],
      [3, 1],
      [1, 3],
      [2, 1],
      [3, 2],
    ]);
    const leaders = proposed.map((p) => p.replicas[0]);
    expect([1, 2, 3].map((id) => leaders.filter((l) => l === id).length)).toEqual([2, 2, 2]);
    expect(() => generatePlan([{ topic: "t", partition: 0, replicas: [1, 2, 3] }], [1, 2])).toThrow(UsageError);
  });

  it("is listed in the help", async () => {
    const help = await runCli(["partitions", "--help"]);
    expect(help.code).toBe(0);
    for (const cmd of ["samsa partitions reassign", "samsa partitions elect-leaders"]) expect(help.stdout).toContain(cmd);
  });

  it("parses kafka-reassign-partitions JSON and names the entry it refuses", () => {
    const text = formatPlan([{ topic: "b", partition: 1, replicas: [2] }, { topic: "a", partition: 0, replicas: [1, 3] }]);
    expect(JSON.parse(text)).toEqual({ version: 1, partitions: [{ topic: "a", partition: 0, replicas: [1, 3] }, { topic: "b", partition: 1, replicas: [2] }] });
    expect(parsePlan(text, "f").partitions).toHaveLength(2);
    expect(parsePlan('{"version":1,"partitions":[{"topic":"a","partition":0,"replicas":[1],"log_dirs":["any"]}]}', "f").partitions[0]).toEqual({ topic: "a", partition: 0, replicas: [1] });
    expect(() => parsePlan("{", "f")).toThrow(/not valid JSON/);
    expect(() => parsePlan('{"version":2,"partitions":[]}', "f")).toThrow(/version/);
    expect(() => parsePlan('{"partitions":[{"topic":"a","partition":0,"replicas":[1,1]}]}', "f")).toThrow(/partitions\[0\]: duplicate/);
    expect(() => parsePlan('{"partitions":[{"topic":"a","partition":-1,"replicas":[1]}]}', "f")).toThrow(/partitions\[0\]/);
    expect(() => parsePlan('{"partitions":[{"topic":"a","partition":0,"replicas":[1]},{"topic":"a","partition":0,"replicas":[2]}]}', "f")).toThrow(/listed twice/);
  });
});

describe("samsa partitions on a three-node cluster", () => {
  let cluster: ClusterProcesses;
  let dir: string;
  const bs = () => ["--bootstrap-server", cluster.bootstrap];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "samsa-cli-partitions-"));
    cluster = await startClusterProcesses({ nodes: 3, overrides: { "broker.session.timeout.ms": 3000, "broker.heartbeat.interval.ms": 500 } });
  }, 60_000);

  afterAll(async () => {
    await cluster?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("generates, executes and verifies a reassignment, then elects preferred leaders", async () => {
    // Retried while brokers are still unfencing (INVALID_REPLICA_ASSIGNMENT / REPLICATION_FACTOR).
    const deadline = Date.now() + 20_000;
    for (;;) {
      const created = await runCli(["topics", "create", "cli-moving", "--partitions", "3", "--replication-factor", "1", ...bs()]);
      if (created.code === 0) break;
      if (Date.now() > deadline) throw new Error(created.stderr);
      await new Promise((r) => setTimeout(r, 300));
    }
    // Every broker must have applied the topic before commands that describe it run against any of them.
    for (const node of cluster.nodes) {
      for (let i = 0; i < 50; i++) {
        if ((await runCli(["topics", "describe", "cli-moving", "--bootstrap-server", node.process.bootstrap])).code === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const generated = await runCli(["partitions", "reassign", "--generate", "--topics", "cli-moving", "--brokers", "2,3", "--json", ...bs()]);
    expect(generated.stderr).toBe("");
    const { current, proposed } = JSON.parse(generated.stdout);
    expect(current.partitions).toHaveLength(3);
    expect(proposed).toEqual({
      version: 1,
      partitions: [
        { topic: "cli-moving", partition: 0, replicas: [2] },
        { topic: "cli-moving", partition: 1, replicas: [3] },
        { topic: "cli-moving", partition: 2, replicas: [2] },
      ],
    });
    const plan = join(dir, "plan.json");
    writeFileSync(plan, JSON.stringify(proposed));

    const executed = await runCli(["partitions", "reassign", "--execute", "--reassignment-json-file", plan, ...bs()]);
    expect(executed.code).toBe(0);
    expect(executed.stdout).toContain("Successfully started partition reassignments for cli-moving-0,cli-moving-1,cli-moving-2");
    expect(executed.stdout).toContain("Save this to use as the --reassignment-json-file option during rollback");

    let verified = await runCli(["partitions", "reassign", "--verify", "--reassignment-json-file", plan, ...bs()]);
    for (let i = 0; i < 50 && verified.code !== 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      verified = await runCli(["partitions", "reassign", "--verify", "--reassignment-json-file", plan, ...bs()]);
    }
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain("Reassignment of partition cli-moving-1 is completed.");
    const described = JSON.parse((await runCli(["topics", "describe", "cli-moving", "--json", ...bs()])).stdout);
    expect(described[0].partitions.map((p: { replicas: number[] }) => p.replicas)).toEqual([[2], [3], [2]]);

    const cancelled = await runCli(["partitions", "reassign", "--cancel", "--reassignment-json-file", plan, ...bs()]);
    expect(cancelled.stdout).toBe("None of the specified partition reassignments are active.\n");

    const elected = await runCli(["partitions", "elect-leaders", "--type", "preferred", "--topic", "cli-moving", "--json", ...bs()]);
    expect(elected.code).toBe(0);
    expect(JSON.parse(elected.stdout).map((r: { result: string }) => r.result)).toEqual(["not-needed", "not-needed", "not-needed"]);
    const one = await runCli(["partitions", "elect-leaders", "--type", "unclean", "--topic", "cli-moving", "--partition", "0", ...bs()]);
    expect(one.stdout).toBe("Valid replica already elected for partitions cli-moving-0\n");
    const unknown = await runCli(["partitions", "elect-leaders", "--type", "preferred", "--topic", "cli-moving", "--partition", "7", ...bs()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain("cli-moving-7: UNKNOWN_TOPIC_OR_PARTITION");
  });

  it("reports refused reassignments by Kafka error name and usage mistakes with exit status 2", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ version: 1, partitions: [{ topic: "cli-moving", partition: 0, replicas: [2, 99] }] }));
    const refused = await runCli(["partitions", "reassign", "--execute", "--reassignment-json-file", bad, ...bs()]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("INVALID_REPLICA_ASSIGNMENT");
    expect((await runCli(["partitions", "reassign", "--generate", "--topics", "cli-moving", ...bs()])).code).toBe(2);
    expect((await runCli(["partitions", "reassign", "--execute", "--verify", "--reassignment-json-file", bad, ...bs()])).code).toBe(2);
    expect((await runCli(["partitions", "elect-leaders", "--type", "preferred", "--partition", "0", ...bs()])).code).toBe(2);
  });
});
