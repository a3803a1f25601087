import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHistory, describeViolations } from "@samsa/testkit";
import { AcksAllWorkload, readAll } from "../test/helpers/acks-all-workload.js";
import { FAST_FAILOVER_OVERRIDES, ProcessCluster } from "../test/helpers/process-cluster.js";

const TOPIC = "fault-sigstop-leader";
const PARTITIONS = 3;
/** Longer than broker.session.timeout.ms: the controller fences the paused broker and moves its leaderships. */
const PAUSE_MS = FAST_FAILOVER_OVERRIDES["broker.session.timeout.ms"] + 3000;

let cluster: ProcessCluster;
beforeAll(async () => {
  cluster = await ProcessCluster.start();
});
afterAll(async () => {
  await cluster?.dispose();
});

describe("fault: SIGSTOP the leader longer than the session timeout, then SIGCONT", () => {
  it("loses no acknowledged write; the resumed broker acknowledges nothing it no longer leads", async () => {
    await cluster.createTopic(TOPIC, PARTITIONS, { "min.insync.replicas": "2" });
    const all = new Set([1, 2, 3]);
    await cluster.waitForLeaders(TOPIC, all, 20_000);
    const workload = new AcksAllWorkload(cluster, TOPIC, PARTITIONS);
    workload.start();
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const victim = (await cluster.leaders(TOPIC))[0]!;
      await cluster.node(victim).process.kill("SIGSTOP");
      const live = new Set([...all].filter((id) => id !== victim));
      const ms = await cluster.waitForLeaders(TOPIC, live, 30_000);
      console.log(`SIGSTOP of broker ${victim}: every partition had a leader on another broker after ${ms} ms`);
      await new Promise((r) => setTimeout(r, Math.max(0, PAUSE_MS - ms)));
      await cluster.node(victim).process.kill("SIGCONT");
      await new Promise((r) => setTimeout(r, 4000));
    } finally {
      await workload.stop();
    }
    await cluster.waitForLeaders(TOPIC, all, 20_000);
    const read = await readAll(cluster, TOPIC, 20_000);
    const result = checkHistory({ acknowledged: workload.acknowledged, indeterminate: workload.indeterminate, read });
    console.log(`acknowledged ${result.acknowledgedCount}, indeterminate ${workload.indeterminate.length}, read ${result.readCount}`);
    if (!result.ok) console.log(describeViolations(result.violations), cluster.logTails());
    expect(result.violations).toEqual([]);
    expect(result.acknowledgedCount).toBeGreaterThan(50);
  });
});
