import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KafkaErrorCode, NO_LEADER, startMetadataNode, type MetadataImage, type MetadataNode, type MetadataNodeOptions } from "../src/index.js";
import { activeController, freePorts, waitFor } from "./helpers/cluster.js";

const CLUSTER_ID = "samsa-cluster-test-1";

function topicSummary(image: MetadataImage): string[] {
  return [...image.topicsById.values()]
    .map((t) => `${t.name}:${t.partitions.size}`)
    .sort();
}

describe("three combined broker+controller nodes and one observer broker on loopback", () => {
  let dir = "";
  const running: MetadataNode[] = [];
  afterAll(async () => {
    for (const node of running.splice(0)) await node.close({ controlledShutdown: false, resign: false }).catch(() => {});
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("elects, registers brokers, serves createTopics after commit, fails over, re-elects partition leaders, and restarts intact", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "samsa-cluster-"));
    const ports = await freePorts(3);
    const voters = ports.map((port, i) => `${i + 1}@127.0.0.1:${port}`).join(",");
    const options = (id: number, roles: string): MetadataNodeOptions => ({
      nodeId: id,
      roles,
      voters,
      logDirs: [path.join(dir, `node-${id}`)],
      clusterId: CLUSTER_ID,
      brokerEndpoints: [{ name: "PLAINTEXT", host: "127.0.0.1", port: 19090 + id, securityProtocol: "PLAINTEXT" }],
      rack: null,
      // Default Raft timeouts (election 1000 ms, fetch 2000 ms); short broker sessions to keep the test quick.
      sessionTimeoutMs: 1500,
      heartbeatIntervalMs: 200,
      leaderImbalanceCheckIntervalMs: 500,
      controllerTotalTimeoutMs: 15_000,
      controlledShutdownTimeoutMs: 3000,
      snapshotEveryBytes: 400,
    });
    const startAll = async () => {
      const nodes = [await startMetadataNode(options(1, "broker,controller")), await startMetadataNode(options(2, "broker,controller")), await startMetadataNode(options(3, "broker,controller"))];
      const observer = await startMetadataNode(options(4, "broker"));
      running.push(...nodes, observer);
      return { nodes, observer, all: [...nodes, observer] };
    };

    // ---- election, registration, unfencing
    let { nodes, observer, all } = await startAll();
    const leader = await waitFor("an active controller", () => activeController(nodes), 10_000);
    await waitFor("four unfenced brokers everywhere", () => all.every((n) => n.image.unfencedBrokers().length === 4 && n.brokerState === "running"), 10_000);
    const epochs = all.map((n) => n.brokerLifecycle!.brokerEpoch);
    expect(new Set(epochs).size).toBe(4);

    // ---- createTopics through a follower's client is answered after commit
    const follower = nodes.find((n) => n !== leader)!;
    const images: MetadataImage[] = [];
    observer.onImage((image) => images.push(image));
    const [created] = await follower.controllerClient.createTopics({ topics: [{ name: "orders", numPartitions: 4, replicationFactor: 3 }] });
    expect(created).toMatchObject({ name: "orders", errorCode: KafkaErrorCode.NONE, numPartitions: 4, replicationFactor: 3 });
    expect(leader.image.topic("orders")?.partitions.size).toBe(4);
    expect(follower.controllerClient.activeControllerId).toBe(leader.nodeId);

    // Two quick creations of one name: the second sees the first's uncommitted records.
    const [a, b] = await Promise.all([
      observer.controllerClient.createTopics({ topics: [{ name: "dup", numPartitions: 1, replicationFactor: 2 }] }),
      follower.controllerClient.createTopics({ topics: [{ name: "dup", numPartitions: 1, replicationFactor: 2 }] }),
    ]);
    expect([a![0]!.errorCode, b![0]!.errorCode].sort((x, y) => x - y)).toEqual([KafkaErrorCode.NONE, KafkaErrorCode.TOPIC_ALREADY_EXISTS]);
    await waitFor("every node to see both topics", () => all.every((n) => topicSummary(n.image).join() === "dup:1,orders:4"));
    expect(images.some((image) => image.topic("orders"))).toBe(true);

    // ---- the active controller dies (no resignation): a new one takes over
    const killedId = leader.nodeId;
    const killedAt = Date.now();
    await leader.close({ controlledShutdown: false, resign: false });
    running.splice(running.indexOf(leader), 1);
    const survivors = all.filter((n) => n !== leader);
    const activeAgain = waitFor("a new active controller", () => activeController(survivors), 10_000).then(() => Date.now() - killedAt);
    const [again] = await survivors[0]!.controllerClient.createTopics({ topics: [{ name: "after-failover", numPartitions: 2, replicationFactor: 2 }] });
    const failoverMs = Date.now() - killedAt;
    expect(again!.errorCode).toBe(KafkaErrorCode.NONE);
    const newLeader = activeController(survivors)!;
    expect(newLeader.nodeId).not.toBe(killedId);
    console.log(
      `controller failover: node ${newLeader.nodeId} active ${await activeAgain} ms and createTopics answered ${failoverMs} ms after killing node ${killedId} (election timeout 1000 ms, fetch timeout 2000 ms)`,
    );
    expect(failoverMs).toBeLessThan(5000);

    // ---- the dead node's broker stops heartbeating: fenced, its partitions led by ISR members
    const fencedAt = await waitFor(
      "the dead broker fenced and no partition led by it",
      () => {
        const image = newLeader.image;
        const fenced = !image.isUnfenced(killedId);
        const ledByDead = [...image.topicsById.values()].some((t) => [...t.partitions.values()].some((p) => p.leader === killedId || p.leader === NO_LEADER));
        return fenced && !ledByDead ? Date.now() : null;
      },
      1500 + 5000,
    );
    console.log(`dead broker ${killedId} fenced and its partitions moved ${fencedAt - killedAt} ms after the kill (session timeout 1500 ms)`);
    for (const t of newLeader.image.topicsById.values()) for (const p of t.partitions.values()) expect(p.isr).not.toContain(killedId);

    // ---- everything stops; all come back on the same dirs with the metadata intact
    const expected = topicSummary(newLeader.image);
    expect(expected).toEqual(["after-failover:2", "dup:1", "orders:4"]);
    // The observer and one combined node shut down in a controlled way while a quorum is up; the last one cannot.
    await observer.close();
    const [first, last] = survivors.filter((n) => n !== observer);
    await first!.close();
    await last!.close({ controlledShutdown: false });
    running.splice(0);
    ({ nodes, observer, all } = await startAll());
    await waitFor("an active controller after restart", () => activeController(nodes), 10_000);
    await waitFor("every restarted node to replay the metadata", () => all.every((n) => topicSummary(n.image).join() === expected.join()), 10_000);
    await waitFor("all four brokers unfenced again", () => all.every((n) => n.brokerState === "running") && activeController(nodes)!.image.unfencedBrokers().length === 4, 10_000);
    expect(nodes.some((n) => n.raftLog.latestSnapshot() !== null)).toBe(true);
  }, 45_000);
});
