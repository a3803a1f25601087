import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHistory, describeViolations } from "@samsa/testkit";
import { AcksAllWorkload, readAll } from "../test/helpers/acks-all-workload.js";
import { ProcessCluster } from "../test/helpers/process-cluster.js";

const TOPIC = "fault-kill-all";
const PARTITIONS = 3;

let cluster: ProcessCluster;
beforeAll(async () => {
  cluster = await ProcessCluster.start();
});
afterAll(async () => {
  await cluster?.dispose();
});

describe("fault: kill -9 all three brokers while producing, then restart them", () => {
  it("keeps every acknowledged write (each was fsynced on min.insync.replicas brokers before the ack)", async () => {
    await cluster.createTopic(TOPIC, PARTITIONS, { "min.insync.replicas": "2" });
    const all = new Set([1, 2, 3]);
    await cluster.waitForLeaders(TOPIC, all, 20_000);
    const workload = new AcksAllWorkload(cluster, TOPIC, PARTITIONS);
    workload.start();
    try {
      await new Promise((r) => setTimeout(r, 2500));
      await Promise.all(cluster.nodes.map((n) => n.process.kill("SIGKILL")));
    } finally {
      await workload.stop();
    }
    const restartedAt = Date.now();
    await Promise.all(cluster.nodes.map((n) => n.process.restart()));
    const ms = await cluster.waitForLeaders(TOPIC, all, 60_000);
    console.log(`after kill -9 of all brokers: every partition had a leader ${Date.now() - restartedAt} ms after the restart began (${ms} ms after the processes answered)`);
    const read = await readAll(cluster, TOPIC, 20_000);
    const result = checkHistory({ acknowledged: workload.acknowledged, indeterminate: workload.indeterminate, read });
    console.log(`acknowledged ${result.acknowledgedCount}, indeterminate ${workload.indeterminate.length}, read ${result.readCount}`);
    if (!result.ok) console.log(describeViolations(result.violations), cluster.logTails());
    expect(result.violations).toEqual([]);
    expect(result.acknowledgedCount).toBeGreaterThan(50);
  });
});
