// Three combined broker+controller processes on loopback, with the default Raft
// timeouts: leader election, metadata convergence, controller and broker failover,
// and a full stop/restart. Measured times are printed (see the broker README).
import { startClusterProcesses, type ClusterProcesses } from "@samsa/testkit";
import { ErrorCode } from "@samsa/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterView, createTopic, describeQuorum, waitFor, type ClusterView } from "./cluster-client.js";

const SESSION_TIMEOUT_MS = 3_000;
/** Controller failover bound asserted here; the target with default timeouts is under 3 s (typically ~2-2.5 s). */
const CONTROLLER_FAILOVER_BOUND_MS = 8_000;
/** Broker failover: one session timeout plus an election's worth of slack. */
const BROKER_FAILOVER_BOUND_MS = SESSION_TIMEOUT_MS + 5_000;

let cluster: ClusterProcesses;

function port(id: number): number {
  return cluster.node(id).process.port;
}

function livePorts(): number[] {
  return cluster.nodes.filter((n) => n.process.running).map((n) => n.process.port);
}

/** Every running node reports the same brokers, topics, leaders and ISRs, listing `brokers`. */
async function converged(brokers: number[], topics: string[]): Promise<ClusterView | undefined> {
  const views = await Promise.all(livePorts().map((p) => clusterView(p)));
  const first = JSON.stringify(views[0]);
  if (!views.every((v) => JSON.stringify(v) === first)) return undefined;
  const view = views[0]!;
  if (JSON.stringify(view.brokers) !== JSON.stringify(brokers)) return undefined;
  if (!topics.every((t) => view.topics[t] !== undefined)) return undefined;
  return view;
}

describe("three-node cluster of processes", () => {
  beforeAll(async () => {
    cluster = await startClusterProcesses({
      nodes: 3,
      overrides: { "broker.session.timeout.ms": SESSION_TIMEOUT_MS, "broker.heartbeat.interval.ms": 500, "num.partitions": 1 },
    });
  }, 60_000);

  afterAll(async () => {
    await cluster?.dispose();
  });

  it("elects a leader and converges every node's Metadata, with replicas and leaders spread evenly", async () => {
    const quorum = await waitFor("an active controller", 20_000, async () => {
      const q = await describeQuorum(port(1));
      return q.errorCode === ErrorCode.NONE ? q.partition : undefined;
    });
    expect([1, 2, 3]).toContain(quorum!.leaderId);
    expect(quorum!.currentVoters.map((v) => v.replicaId).sort()).toEqual([1, 2, 3]);
    await waitFor("all brokers registered", 20_000, () => converged([1, 2, 3], []));

    expect(await createTopic(port(1), "spread", 6, 3)).toEqual({ errorCode: ErrorCode.NONE, errorMessage: null });
    expect(await createTopic(port(2), "pair", 3, 2)).toEqual({ errorCode: ErrorCode.NONE, errorMessage: null });
    const view = await waitFor("converged metadata", 15_000, () => converged([1, 2, 3], ["spread", "pair"]));
    const spread = view.topics["spread"]!.partitions;
    expect(spread).toHaveLength(6);
    for (const p of spread) expect([...p.replicas].sort()).toEqual([1, 2, 3]);
    const leaders = new Map<number, number>();
    for (const p of spread) leaders.set(p.leader, (leaders.get(p.leader) ?? 0) + 1);
    expect([...leaders.entries()].sort()).toEqual([[1, 2], [2, 2], [3, 2]]);
    const pair = view.topics["pair"]!.partitions;
    expect(pair.every((p) => p.replicas.length === 2 && new Set(p.replicas).size === 2)).toBe(true);
  }, 60_000);

  it("elects a new controller after kill -9 of the active one; topic creation works again within the bound", async () => {
    const before = await describeQuorum(port(1));
    const controllerId = before.partition!.leaderId;
    const survivor = [1, 2, 3].find((id) => id !== controllerId)!;
    await cluster.node(controllerId).process.kill("SIGKILL");
    const killedAt = Date.now();
    const created = await createTopic(port(survivor), "after-failover", 1, 1);
    const failoverMs = Date.now() - killedAt;
    console.log(`controller failover: CreateTopics sent at the kill of node ${controllerId} answered after ${failoverMs} ms`);
    expect(created).toEqual({ errorCode: ErrorCode.NONE, errorMessage: null });
    expect(failoverMs).toBeLessThan(CONTROLLER_FAILOVER_BOUND_MS);
    const after = await describeQuorum(port(survivor));
    expect(after.partition!.leaderId).not.toBe(controllerId);
    expect(after.partition!.leaderEpoch).toBeGreaterThan(before.partition!.leaderEpoch);

    // The dead node was also a broker: its leaderships move to ISR members.
    const moved = await waitFor("leaders moved off the dead broker", BROKER_FAILOVER_BOUND_MS, async () => {
      const view = await clusterView(port(survivor));
      const spread = view.topics["spread"]?.partitions ?? [];
      return !view.brokers.includes(controllerId) && spread.every((p) => p.leader !== controllerId && p.leader >= 0 && p.isr.includes(p.leader)) ? view : undefined;
    });
    console.log(`controller failover: partitions of dead broker ${controllerId} led by ISR members ${Date.now() - killedAt} ms after the kill`);
    expect(moved.brokers).not.toContain(controllerId);

    await cluster.node(controllerId).process.restart();
    await waitFor("restarted node back", 20_000, () => converged([1, 2, 3], ["spread", "pair", "after-failover"]));
  }, 60_000);

  it("gives a killed broker's partitions new leaders from the ISR within the session timeout plus a few seconds", async () => {
    const controllerId = (await describeQuorum(port(1))).partition!.leaderId;
    const survivor = controllerId;
    const spreadBefore = (await clusterView(port(survivor))).topics["spread"]!.partitions;
    const ledBy = (id: number) => spreadBefore.filter((p) => p.leader === id).length;
    // The broker (not the controller) that leads the most partitions.
    const victim = [1, 2, 3].filter((id) => id !== controllerId).sort((a, b) => ledBy(b) - ledBy(a))[0]!;
    const led = ledBy(victim);
    expect(led).toBeGreaterThan(0);
    await cluster.node(victim).process.kill("SIGKILL");
    const killedAt = Date.now();
    await waitFor("new leaders for the dead broker's partitions", BROKER_FAILOVER_BOUND_MS, async () => {
      const spread = (await clusterView(port(survivor))).topics["spread"]!.partitions;
      return spread.every((p) => p.leader !== victim && p.leader >= 0 && p.isr.includes(p.leader) && !p.isr.includes(victim)) ? true : undefined;
    });
    const elapsedMs = Date.now() - killedAt;
    console.log(`broker failover: ${led} partitions of broker ${victim} led by ISR members ${elapsedMs} ms after kill -9 (session timeout ${SESSION_TIMEOUT_MS} ms)`);
    expect(elapsedMs).toBeGreaterThanOrEqual(SESSION_TIMEOUT_MS - 1_000);

    await cluster.node(victim).process.restart();
    await waitFor("restarted broker back", 20_000, () => converged([1, 2, 3], ["spread"]));
  }, 60_000);

  it("keeps all metadata across a stop and restart of every node", async () => {
    const before = await waitFor("stable view", 15_000, () => converged([1, 2, 3], ["spread", "pair", "after-failover"]));
    await Promise.all(cluster.nodes.map((n) => n.process.stop()));
    await Promise.all(cluster.nodes.map((n) => n.process.restart()));
    const after = await waitFor("metadata after restart", 30_000, () => converged([1, 2, 3], ["spread", "pair", "after-failover"]));
    const shape = (v: ClusterView) =>
      Object.fromEntries(Object.entries(v.topics).map(([name, t]) => [name, { topicId: t.topicId, replicas: t.partitions.map((p) => [...p.replicas].sort()) }]));
    expect(shape(after)).toEqual(shape(before));
    expect(Object.keys(after.topics).sort()).toEqual(["after-failover", "pair", "spread"]);
  }, 90_000);
});
