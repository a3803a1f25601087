import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InMemoryRaftLog, QuorumStateCorruptError, RaftNode, type LogEntry, type PeerAddress } from "../src/index.js";

const VOTERS = [1, 2, 3];

async function waitFor<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("RaftNode over loopback TCP", () => {
  const nodes: RaftNode[] = [];
  let dir = "";
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function makeNode(id: number, addresses: Map<number, PeerAddress>, applied: Map<number, LogEntry[]>): RaftNode {
    applied.set(id, []);
    return new RaftNode({
      raft: {
        nodeId: id,
        voters: VOTERS,
        electionTimeoutMs: 150,
        electionJitterMs: 150,
        fetchTimeoutMs: 600,
        fetchMaxWaitMs: 100,
        requestTimeoutMs: 400,
        retryBackoffMs: 50,
        fetchMaxBytes: 1 << 20,
        snapshotChunkMaxBytes: 1 << 20,
        applyMaxBytes: 1 << 20,
      },
      clusterId: "test-cluster",
      dataDir: path.join(dir, `node-${id}`),
      voterAddresses: addresses,
      listen: { host: "127.0.0.1", port: 0 },
      log: new InMemoryRaftLog(),
      tickIntervalMs: 10,
      maxFrameBytes: 8 << 20,
      onCommitted: (entries) => applied.get(id)!.push(...entries),
    });
  }

  it("three nodes elect a leader, commit proposals everywhere, and re-elect when the leader stops", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "samsa-raft-"));
    const addresses = new Map<number, PeerAddress>();
    const applied = new Map<number, LogEntry[]>();
    for (const id of VOTERS) {
      const node = makeNode(id, addresses, applied);
      await node.start();
      addresses.set(id, { host: "127.0.0.1", port: node.listenPort });
      nodes.push(node);
    }
    const leader = await waitFor("a leader", () => nodes.find((n) => n.status().role === "leader"));
    const proposal = leader.propose([new TextEncoder().encode("hello")]);
    expect(proposal.ok).toBe(true);
    const dataOf = (id: number) => applied.get(id)!.filter((e) => e.kind === "data").map((e) => new TextDecoder().decode(e.payload));
    await waitFor("commit on all nodes", () => VOTERS.every((id) => dataOf(id).includes("hello")));

    const firstEpoch = leader.status().epoch;
    // The vote and leader are durable in a KRaft-like quorum-state file.
    const follower = nodes.find((n) => n !== leader)!;
    const state = JSON.parse(await readFile(path.join(dir, `node-${follower.status().nodeId}`, "quorum-state"), "utf8"));
    expect(state).toMatchObject({ clusterId: "test-cluster", leaderEpoch: firstEpoch, leaderId: leader.status().nodeId, data_version: 0 });
    await leader.stop();
    nodes.splice(nodes.indexOf(leader), 1);
    const next = await waitFor("a new leader", () => nodes.find((n) => n.status().role === "leader" && n.status().epoch > firstEpoch));
    expect(next.propose([new TextEncoder().encode("after")]).ok).toBe(true);
    await waitFor("commit on the survivors", () => nodes.every((n) => dataOf(n.status().nodeId).includes("after")));
  });

  it("refuses to start on an unreadable quorum-state file or one from another cluster", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "samsa-raft-"));
    await mkdir(path.join(dir, "node-1"), { recursive: true });
    await writeFile(path.join(dir, "node-1", "quorum-state"), "{ not json");
    await expect(makeNode(1, new Map(), new Map()).start()).rejects.toBeInstanceOf(QuorumStateCorruptError);
    await writeFile(
      path.join(dir, "node-1", "quorum-state"),
      JSON.stringify({ data_version: 0, clusterId: "other-cluster", leaderId: -1, leaderEpoch: 3, votedId: 2, currentVoters: [] }),
    );
    await expect(makeNode(1, new Map(), new Map()).start()).rejects.toThrow(/belongs to cluster "other-cluster"/);
  });
});
