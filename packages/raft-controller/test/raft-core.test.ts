import { describe, expect, it } from "vitest";
import { InMemoryRaftLog, type LogEntry, type RaftMessage, type VoteResponse } from "../src/raft/index.js";
import { dataOf, ManualCluster } from "./manual-cluster.js";

const enc = (s: string) => new TextEncoder().encode(s);
const entry = (offset: number, epoch: number, text: string): LogEntry => ({ offset, epoch, kind: "data", payload: enc(text) });

function logWith(entries: LogEntry[]): InMemoryRaftLog {
  const log = new InMemoryRaftLog();
  log.append(entries);
  log.flush();
  return log;
}

describe("RaftCore", () => {
  it("a single voter elects itself and commits its proposals", () => {
    const cluster = new ManualCluster([1]);
    cluster.advance(1000);
    const leader = cluster.leader()!;
    expect(leader.id).toBe(1);
    cluster.propose("a");
    cluster.propose("b");
    cluster.advance(10);
    expect(dataOf(leader.applied)).toEqual(["a", "b"]);
    expect(leader.applied[0]!.kind).toBe("leader-change");
  });

  it("three voters elect one leader whose entries reach every follower and an observer", () => {
    const cluster = new ManualCluster([1, 2, 3], [4]);
    cluster.advance(1500);
    const leader = cluster.leader()!;
    expect(leader).toBeDefined();
    for (const text of ["x", "y", "z"]) cluster.propose(text);
    cluster.advance(200);
    for (const node of cluster.nodes.values()) {
      expect(dataOf(node.applied)).toEqual(["x", "y", "z"]);
      expect(node.core.status().leaderId).toBe(leader.id);
    }
    expect(cluster.node(4).core.status().isVoter).toBe(false);
  });

  it("persists a granted vote in the same Ready that carries the response", () => {
    const cluster = new ManualCluster([1, 2, 3]);
    const voter = cluster.node(2);
    voter.core.step({ from: 1, to: 2, correlationId: 9, body: { type: "VoteRequest", epoch: 1, candidateId: 1, lastEpoch: 0, endOffset: 0, preVote: false } });
    const ready = voter.core.ready();
    expect(ready.quorumState).toEqual({ epoch: 1, votedId: 1, leaderId: null });
    const response = ready.messages.find((m) => m.body.type === "VoteResponse") as RaftMessage<VoteResponse>;
    expect(response.body.voteGranted).toBe(true);
    voter.core.handlePersisted(ready);
    // A second candidate in the same epoch is refused.
    voter.core.step({ from: 3, to: 2, correlationId: 10, body: { type: "VoteRequest", epoch: 1, candidateId: 3, lastEpoch: 0, endOffset: 0, preVote: false } });
    const second = voter.core.ready().messages.find((m) => m.body.type === "VoteResponse") as RaftMessage<VoteResponse>;
    expect(second.body.voteGranted).toBe(false);
  });

  it("answers a pre-vote without changing or persisting its epoch", () => {
    const cluster = new ManualCluster([1, 2, 3]);
    const voter = cluster.node(2);
    voter.core.step({ from: 1, to: 2, correlationId: 1, body: { type: "VoteRequest", epoch: 5, candidateId: 1, lastEpoch: 0, endOffset: 0, preVote: true } });
    const ready = voter.core.ready();
    expect(ready.quorumState).toBeNull();
    expect(voter.core.status().epoch).toBe(0);
    expect((ready.messages[0]!.body as VoteResponse).voteGranted).toBe(true);
  });

  it("a partitioned voter does not disrupt the leader when it comes back (pre-vote)", () => {
    const cluster = new ManualCluster([1, 2, 3]);
    cluster.advance(1500);
    const leader = cluster.leader()!;
    const isolated = [...cluster.nodes.values()].find((n) => n !== leader)!;
    cluster.drop = (m) => m.from === isolated.id || m.to === isolated.id;
    cluster.advance(3000);
    const epochBefore = leader.core.status().epoch;
    expect(isolated.core.status().epoch).toBe(epochBefore);
    cluster.drop = () => false;
    cluster.advance(1000);
    expect(cluster.leader()).toBe(leader);
    expect(leader.core.status().epoch).toBe(epochBefore);
  });

  it("a leader cut off from the majority resigns (check-quorum) and the rest elect a new one", () => {
    const cluster = new ManualCluster([1, 2, 3]);
    cluster.advance(1500);
    const old = cluster.leader()!;
    cluster.drop = (m) => m.from === old.id || m.to === old.id;
    cluster.advance(800);
    expect(old.core.status().role).not.toBe("leader");
    cluster.advance(2000);
    const next = cluster.leader()!;
    expect(next).toBeDefined();
    expect(next.id).not.toBe(old.id);
  });

  it("a follower truncates entries that diverge from the leader's log", () => {
    const cluster = new ManualCluster([1, 2, 3], [], { 1: { electionTimeoutMs: 50, electionJitterMs: 1 } });
    // Node 1 and 3 hold the epoch-2 history; node 2 kept two uncommitted epoch-1 entries of a deposed leader.
    const common = [entry(0, 1, "a"), entry(1, 1, "b")];
    cluster.add(1, logWith([...common, entry(2, 2, "c")]), { epoch: 2, votedId: 1, leaderId: null });
    cluster.add(2, logWith([...common, entry(2, 1, "stale1"), entry(3, 1, "stale2")]), { epoch: 2, votedId: 1, leaderId: null });
    cluster.add(3, logWith([...common, entry(2, 2, "c")]), { epoch: 2, votedId: 1, leaderId: null });
    cluster.advance(1500);
    expect(cluster.leader()?.id).toBe(1);
    cluster.propose("d");
    cluster.advance(300);
    const texts = (id: number) => dataOf(cluster.node(id).log.read(0, 1 << 20));
    expect(texts(2)).toEqual(texts(1));
    expect(texts(2)).toEqual(["a", "b", "c", "d"]);
  });

  it("a new leader counts nothing as committed before an entry of its own epoch", () => {
    const cluster = new ManualCluster([1, 2, 3], [], { 1: { electionTimeoutMs: 50, electionJitterMs: 1 } });
    const old = [entry(0, 1, "a"), entry(1, 1, "b"), entry(2, 1, "c")];
    cluster.add(1, logWith(old), { epoch: 1, votedId: null, leaderId: null });
    cluster.add(2, logWith(old), { epoch: 1, votedId: null, leaderId: null });
    cluster.add(3, new InMemoryRaftLog(), { epoch: 1, votedId: null, leaderId: null });
    const seen: number[] = [];
    cluster.observe = () => seen.push(cluster.node(1).core.status().highWatermark);
    cluster.advance(1500);
    expect(cluster.leader()?.id).toBe(1);
    // Offset 3 is the leader-change entry of epoch 2: the old entries commit together with it, never alone.
    expect(seen.filter((hw) => hw > 0 && hw <= 3)).toEqual([]);
    expect(cluster.node(1).core.status().highWatermark).toBe(4);
  });

  it("EndQuorumEpoch lets the voters elect a successor sooner than a fetch timeout", () => {
    const cluster = new ManualCluster([1, 2, 3], [], {
      1: { electionTimeoutMs: 5000, electionJitterMs: 1000, fetchTimeoutMs: 6000 },
      2: { electionTimeoutMs: 5000, electionJitterMs: 1000, fetchTimeoutMs: 6000 },
      3: { electionTimeoutMs: 5000, electionJitterMs: 1000, fetchTimeoutMs: 6000 },
    });
    cluster.advance(7000);
    const old = cluster.leader()!;
    old.core.resign();
    cluster.flush(old);
    const resignedAt = cluster.nowMs;
    cluster.drop = (m) => m.from === old.id || m.to === old.id;
    let electedAt = 0;
    cluster.advance(3000, 10, () => {
      const leader = cluster.leader();
      if (!electedAt && leader && leader !== old) electedAt = cluster.nowMs;
    });
    expect(electedAt).toBeGreaterThan(0);
    expect(electedAt - resignedAt).toBeLessThan(1000);
  });

  it("a replica behind the log start loads the leader's snapshot in chunks, then follows the log", () => {
    const cluster = new ManualCluster([1]);
    cluster.advance(1000);
    const leader = cluster.node(1);
    for (let i = 0; i < 10; i++) cluster.propose(`e${i}`);
    cluster.advance(10);
    const applied = leader.core.status().appliedOffset;
    const image = enc("snapshot-image-bytes-longer-than-one-chunk");
    expect(leader.core.createSnapshot(applied, image)).toEqual({ endOffset: applied, epoch: 1 });
    expect(leader.log.startOffset()).toBe(applied);
    const observer = cluster.add(9, new InMemoryRaftLog(), null);
    cluster.propose("after");
    cluster.advance(500);
    const loaded = observer.readies.find((r) => r.snapshot)!.snapshot!;
    expect(loaded.id.endOffset).toBe(applied);
    expect(new TextDecoder().decode(loaded.data)).toBe("snapshot-image-bytes-longer-than-one-chunk");
    expect(dataOf(observer.applied)).toEqual(["after"]);
    expect(observer.core.status().highWatermark).toBe(leader.core.status().highWatermark);
  });

  it("rejects proposals on a non-leader and names the leader it knows", () => {
    const cluster = new ManualCluster([1, 2, 3]);
    cluster.advance(1500);
    const follower = [...cluster.nodes.values()].find((n) => n.core.status().role === "follower")!;
    const result = follower.core.propose([enc("x")]);
    expect(result).toEqual({ ok: false, error: "NOT_LEADER", leaderId: cluster.leader()!.id, epoch: follower.core.status().epoch });
  });
});
