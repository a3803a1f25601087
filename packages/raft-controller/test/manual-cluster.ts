import { RaftCore, type RaftConfig, InMemoryRaftLog, type LogEntry, type NodeId, type QuorumState, type RaftMessage, type Ready } from "../src/raft/index.js";
import { Prng } from "../src/sim/prng.js";

export interface ManualNode {
  readonly id: NodeId;
  core: RaftCore;
  log: InMemoryRaftLog;
  quorum: QuorumState | null;
  applied: LogEntry[];
  readies: Ready[];
}

export const TEST_TIMING = {
  electionTimeoutMs: 300,
  electionJitterMs: 300,
  fetchTimeoutMs: 600,
  fetchMaxWaitMs: 100,
  requestTimeoutMs: 300,
  retryBackoffMs: 50,
  fetchMaxBytes: 4096,
  snapshotChunkMaxBytes: 16,
  applyMaxBytes: 1 << 20,
};

/** A lossless, synchronous cluster for unit tests: the test decides when time passes and what is dropped. */
export class ManualCluster {
  readonly nodes = new Map<NodeId, ManualNode>();
  inflight: RaftMessage[] = [];
  nowMs = 0;
  /** Return true to drop a message. */
  drop: (message: RaftMessage) => boolean = () => false;
  /** Called after every delivered message, to observe intermediate states. */
  observe: () => void = () => {};
  private readonly rng = new Prng(7);

  constructor(
    readonly voters: NodeId[],
    observers: NodeId[] = [],
    private readonly overrides: Partial<Record<NodeId, Partial<RaftConfig>>> = {},
  ) {
    for (const id of [...voters, ...observers]) this.add(id, new InMemoryRaftLog(), null);
  }

  /** Adds (or replaces, as after a restart) a node with the given disk contents. */
  add(id: NodeId, log: InMemoryRaftLog, quorum: QuorumState | null, override: Partial<RaftConfig> = this.overrides[id] ?? {}): ManualNode {
    const config: RaftConfig = { nodeId: id, voters: this.voters, ...TEST_TIMING, ...override };
    const rng = this.rng.fork(id);
    const node: ManualNode = {
      id,
      log,
      quorum,
      applied: [],
      readies: [],
      core: new RaftCore({ config, log, quorumState: quorum, nowMs: this.nowMs, random: () => rng.next() }),
    };
    this.nodes.set(id, node);
    this.flush(node);
    return node;
  }

  node(id: NodeId): ManualNode {
    return this.nodes.get(id)!;
  }

  /** Runs the driver contract for one node: persist, acknowledge, send, apply. */
  flush(node: ManualNode): void {
    for (let i = 0; i < 100 && node.core.hasReady(); i++) {
      const ready = node.core.ready();
      node.readies.push(ready);
      if (ready.quorumState) node.quorum = ready.quorumState;
      if (ready.flushLog) node.log.flush();
      node.core.handlePersisted(ready);
      for (const m of ready.messages) if (!this.drop(m)) this.inflight.push(m);
      if (ready.snapshot) node.applied = [];
      node.applied.push(...ready.committed);
    }
  }

  deliverAll(maxMessages = 10_000): void {
    for (let i = 0; i < maxMessages && this.inflight.length > 0; i++) {
      const message = this.inflight.shift()!;
      const target = this.nodes.get(message.to);
      if (!target) continue;
      target.core.tick(this.nowMs);
      target.core.step(message);
      this.flush(target);
      this.observe();
    }
  }

  /** Advances time in steps, ticking every node and delivering all traffic after each step. */
  advance(ms: number, stepMs = 10, onStep?: () => void): void {
    const end = this.nowMs + ms;
    while (this.nowMs < end) {
      this.nowMs = Math.min(end, this.nowMs + stepMs);
      for (const node of this.nodes.values()) {
        node.core.tick(this.nowMs);
        this.flush(node);
      }
      this.deliverAll();
      onStep?.();
    }
  }

  leader(): ManualNode | undefined {
    return [...this.nodes.values()].find((n) => n.core.status().role === "leader");
  }

  propose(text: string): void {
    const leader = this.leader();
    if (!leader) throw new Error("no leader");
    const result = leader.core.propose([new TextEncoder().encode(text)]);
    if (!result.ok) throw new Error("propose failed");
    this.flush(leader);
  }
}

export function dataOf(entries: readonly LogEntry[]): string[] {
  return entries.filter((e) => e.kind === "data").map((e) => new TextDecoder().decode(e.payload));
}
