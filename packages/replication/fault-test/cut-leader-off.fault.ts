import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Admin } from "@samsa/client";
import { checkHistory, describeViolations } from "@samsa/testkit";
import { AcksAllWorkload, readAll } from "../test/helpers/acks-all-workload.js";
import { FAST_FAILOVER_OVERRIDES, ProcessCluster } from "../test/helpers/process-cluster.js";

const TOPIC = "fault-cut-leader-off";
const LAG_MS = FAST_FAILOVER_OVERRIDES["replica.lag.time.max.ms"];

let cluster: ProcessCluster;
beforeAll(async () => {
  cluster = await ProcessCluster.start({}, { replicationProxies: true });
});
afterAll(async () => {
  await cluster?.dispose();
});

async function isr(): Promise<number[]> {
  const client = cluster.client("isr-probe", { requestTimeoutMs: 2000, maxAttempts: 3 });
  try {
    return (await new Admin(client).describeTopics([TOPIC]))[0]!.partitions[0]!.isr.sort();
  } finally {
    await client.close();
  }
}

async function waitFor(what: string, predicate: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await predicate().catch(() => false))) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms\n${cluster.logTails()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return Date.now() - started;
}

describe("fault: followers cut off from the leader (silent drop on the inter-broker link), then healed", () => {
  it("shrinks the ISR to the leader, refuses acks=all below min.insync.replicas, loses nothing, and re-expands after healing", async () => {
    await cluster.createTopic(TOPIC, 1, { "min.insync.replicas": "2" });
    const all = new Set([1, 2, 3]);
    await cluster.waitForLeaders(TOPIC, all, 20_000);
    const leader = (await cluster.leaders(TOPIC))[0]!;
    const workload = new AcksAllWorkload(cluster, TOPIC, 1);
    workload.start();
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const ackedBeforeCut = workload.acknowledged.length;
      cluster.node(leader).replicationProxy!.pause("drop", "both");
      const shrinkMs = await waitFor("ISR shrinks to the leader", async () => (await isr()).join() === String(leader), LAG_MS + 15_000);
      console.log(`followers cut off from leader ${leader}: ISR shrank to [${leader}] after ${shrinkMs} ms; leader unchanged`);
      const ackedAtShrink = workload.acknowledged.length;
      await new Promise((r) => setTimeout(r, 1500));
      // Below min.insync.replicas nothing more is acknowledged.
      expect(workload.acknowledged.length).toBe(ackedAtShrink);
      // Nor while the followers were cut off but still in the ISR (one in flight at the cut may land).
      expect(ackedAtShrink - ackedBeforeCut).toBeLessThanOrEqual(1);

      const proxy = cluster.node(leader).replicationProxy!;
      proxy.resume("both");
      proxy.closeAllConnections(); // the followers' stalled fetches fail now instead of at their timeout
      const healMs = await waitFor("ISR back to three", async () => (await isr()).length === 3, 30_000);
      console.log(`healed: ISR back to [1,2,3] after ${healMs} ms`);
      await waitFor("acks=all accepted again", async () => workload.acknowledged.length > ackedAtShrink, 10_000);
    } finally {
      await workload.stop();
    }
    expect((await cluster.leaders(TOPIC))[0]).toBe(leader);
    const read = await readAll(cluster, TOPIC, 20_000);
    const result = checkHistory({ acknowledged: workload.acknowledged, indeterminate: workload.indeterminate, read });
    console.log(`acknowledged ${result.acknowledgedCount}, indeterminate ${workload.indeterminate.length}, read ${result.readCount}`);
    if (!result.ok) console.log(describeViolations(result.violations), cluster.logTails());
    expect(result.violations).toEqual([]);
  });
});
