import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Admin } from "@samsa/client";
import { checkHistory, describeViolations } from "@samsa/testkit";
import { AcksAllWorkload, readAll } from "../test/helpers/acks-all-workload.js";
import { FAST_FAILOVER_OVERRIDES, ProcessCluster } from "../test/helpers/process-cluster.js";

const TOPIC = "fault-cut-one-follower";
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

describe("fault: one follower cut off from the leader (silent drop on its replication link), then healed", () => {
  it("shrinks the ISR to leader + the other follower, keeps acknowledging acks=all, and re-expands after healing with nothing lost", async () => {
    await cluster.createTopic(TOPIC, 1, { "min.insync.replicas": "2" });
    await cluster.waitForLeaders(TOPIC, new Set([1, 2, 3]), 20_000);
    const leader = (await cluster.leaders(TOPIC))[0]!;
    const [victim, other] = [1, 2, 3].filter((id) => id !== leader) as [number, number];
    // The follower's fetcher names itself in every request's client id (see BrokerReplication).
    const victimFetcher = `samsa-replica-fetcher-${victim}`;
    const proxy = cluster.node(leader).replicationProxy!;
    const workload = new AcksAllWorkload(cluster, TOPIC, 1);
    workload.start();
    try {
      await new Promise((r) => setTimeout(r, 1500));
      proxy.cutClient(victimFetcher);
      const shrinkMs = await waitFor(`ISR shrinks to [${leader},${other}]`, async () => (await isr()).join() === [leader, other].sort().join(), LAG_MS + 15_000);
      console.log(`follower ${victim} cut off from leader ${leader}: ISR shrank to [${[leader, other].sort()}] after ${shrinkMs} ms`);
      const ackedAtShrink = workload.acknowledged.length;
      const resumeMs = await waitFor("acks=all acknowledged with the shrunken ISR", async () => workload.acknowledged.length > ackedAtShrink + 20, 10_000);
      console.log(`writes continued: ${workload.acknowledged.length - ackedAtShrink} acknowledged within ${resumeMs} ms after the shrink`);

      proxy.restoreClient(victimFetcher);
      proxy.closeAllConnections(); // the victim's stalled fetch fails now instead of at its request timeout
      const healMs = await waitFor("ISR back to three", async () => (await isr()).length === 3, 30_000);
      console.log(`healed: follower ${victim} caught up and rejoined the ISR after ${healMs} ms`);
      const ackedAtHeal = workload.acknowledged.length;
      await waitFor("acks=all accepted after healing", async () => workload.acknowledged.length > ackedAtHeal + 20, 10_000);
    } finally {
      await workload.stop();
    }
    expect((await cluster.leaders(TOPIC))[0]).toBe(leader);
    const read = await readAll(cluster, TOPIC, 20_000);
    const result = checkHistory({ acknowledged: workload.acknowledged, indeterminate: workload.indeterminate, read });
    console.log(`acknowledged ${result.acknowledgedCount}, indeterminate ${workload.indeterminate.length}, read ${result.readCount}`);
    if (!result.ok) console.log(describeViolations(result.violations), cluster.logTails());
    expect(result.violations).toEqual([]);
    expect(result.acknowledgedCount).toBeGreaterThan(50);
  });
});
