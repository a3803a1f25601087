import { RaftCore, type Ready } from "../raft/core.js";
import type { RaftConfig } from "../raft/config.js";
import { InMemoryRaftLog } from "../raft/memory-log.js";
import type { RaftMessage } from "../raft/messages.js";
import type { NodeId, QuorumState } from "../raft/types.js";
import { EventQueue } from "./event-queue.js";
import { InvariantChecker, InvariantViolation, chainDigest } from "./invariants.js";
import { Prng } from "./prng.js";

export interface SimulationOptions {
  readonly seed: number;
  readonly voters: number;
  /** Adds one observer (a non-voter that fetches) when true; by default the seed decides. */
  readonly observer?: boolean;
  /** Simulated time during which faults are injected. */
  readonly faultPhaseMs?: number;
  /** After faults stop, a leader must be elected and commit within this much simulated time. */
  readonly livenessBoundMs?: number;
  /** Test-only core flag, to show the checker catches a broken rule. */
  readonly unsafeVoteTwice?: boolean;
  readonly trace?: (line: string) => void;
  /** Also trace every delivered message (needs `trace`). */
  readonly traceMessages?: boolean;
}

export interface SimulationResult {
  readonly seed: number;
  readonly events: number;
  readonly committedEntries: number;
  readonly leaderEpochs: number;
  readonly simulatedMs: number;
  /** How often the interesting paths ran, so tests can prove the faults exercise them. */
  readonly stats: SimulationStats;
}

export interface SimulationStats {
  crashes: number;
  elections: number;
  divergenceTruncations: number;
  snapshotChunksServed: number;
  snapshotsLoaded: number;
  messagesLost: number;
  messagesDuplicated: number;
}

export class SimulationFailure extends Error {
  readonly code = "RAFT_SIMULATION_FAILURE";
  constructor(
    readonly seed: number,
    readonly voters: number,
    readonly atMs: number,
    readonly reason: string,
  ) {
    super(`seed ${seed} (${voters} voters) failed at ${atMs} ms: ${reason}\n  replay: ${replayCommand(seed, voters)}`);
    this.name = "SimulationFailure";
  }
}

export function replayCommand(seed: number, voters: number): string {
  return `npm run sim -- --seed ${seed} --nodes ${voters}`;
}

const TICK_INTERVAL_MS = 20;
const SNAPSHOT_EVERY_ENTRIES = 25;
const SNAPSHOT_FILLER_BYTES = 150;

type SimEvent =
  | { kind: "tick"; node: NodeId; incarnation: number }
  | { kind: "deliver"; message: RaftMessage }
  | { kind: "persisted"; node: NodeId; incarnation: number; ready: Ready }
  | { kind: "fault" }
  | { kind: "propose" }
  | { kind: "restart"; node: NodeId }
  | { kind: "crash"; node: NodeId; incarnation: number };

/** One simulated process: the core plus its "disk" (log and quorum-state file) and state machine. */
interface SimNode {
  readonly id: NodeId;
  readonly config: RaftConfig;
  core: RaftCore | null;
  incarnation: number;
  log: InMemoryRaftLog;
  durableQuorum: QuorumState | null;
  persisting: boolean;
  appliedOffset: number;
  digest: number;
  lastSnapshotOffset: number;
  lastLeaderEpoch: number;
  lastRoleTrace: string;
}

/**
 * A deterministic, seeded simulation of a Raft quorum: simulated clock, a network
 * that loses, delays, duplicates and reorders messages and can be partitioned
 * (symmetric and one-way), crashes that lose every unflushed byte, and restarts.
 */
export class Simulation {
  private readonly rng: Prng;
  private readonly netRng: Prng;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly checker = new InvariantChecker();
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly voterIds: NodeId[];
  private readonly blockedLinks = new Set<string>();
  private readonly faultPhaseMs: number;
  private readonly livenessBoundMs: number;
  private nowMs = 0;
  private events = 0;
  private proposalCounter = 0;
  private lossRate: number;
  private duplicateRate: number;
  private maxDelayMs: number;
  private diskMaxLatencyMs: number;
  private faultsOn = true;
  private readonly stats: SimulationStats = {
    crashes: 0,
    elections: 0,
    divergenceTruncations: 0,
    snapshotChunksServed: 0,
    snapshotsLoaded: 0,
    messagesLost: 0,
    messagesDuplicated: 0,
  };

  constructor(private readonly options: SimulationOptions) {
    this.rng = new Prng(options.seed);
    this.netRng = this.rng.fork(1);
    this.faultPhaseMs = options.faultPhaseMs ?? 4000;
    this.livenessBoundMs = options.livenessBoundMs ?? 8000;
    this.lossRate = this.rng.next() * 0.2;
    this.duplicateRate = this.rng.next() * 0.1;
    this.maxDelayMs = this.rng.int(2, 40);
    this.diskMaxLatencyMs = this.rng.int(0, 5);
    this.voterIds = Array.from({ length: options.voters }, (_, i) => i + 1);
    const withObserver = options.observer ?? this.rng.chance(0.5);
    const allIds = withObserver ? [...this.voterIds, options.voters + 1] : this.voterIds;
    for (const id of allIds) {
      const config: RaftConfig = {
        nodeId: id,
        voters: this.voterIds,
        electionTimeoutMs: 300,
        electionJitterMs: 300,
        fetchTimeoutMs: 600,
        fetchMaxWaitMs: 150,
        requestTimeoutMs: 300,
        retryBackoffMs: 50,
        // Tiny fetches (one entry each) open interleavings where a leader's own-epoch entry lags behind older ones.
        fetchMaxBytes: this.rng.pick([1, 1, 60, 300, 2000]),
        snapshotChunkMaxBytes: 64,
        applyMaxBytes: 4096,
        unsafeVoteTwice: options.unsafeVoteTwice === true,
      };
      const node: SimNode = {
        id,
        config,
        core: null,
        incarnation: 0,
        log: new InMemoryRaftLog(),
        durableQuorum: null,
        persisting: false,
        appliedOffset: 0,
        digest: 0,
        lastSnapshotOffset: 0,
        lastLeaderEpoch: 0,
        lastRoleTrace: "",
      };
      this.nodes.set(id, node);
      this.start(node);
    }
    this.queue.push(this.rng.int(100, 500), { kind: "fault" });
    this.queue.push(this.rng.int(10, 100), { kind: "propose" });
  }

  run(): SimulationResult {
    try {
      this.runUntil(this.faultPhaseMs);
      this.stopFaults();
      this.runLivenessPhase();
    } catch (error) {
      if (error instanceof SimulationFailure) throw error;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new SimulationFailure(this.options.seed, this.options.voters, this.nowMs, reason);
    }
    return {
      seed: this.options.seed,
      events: this.events,
      committedEntries: this.checker.committedEndOffset,
      leaderEpochs: Math.max(...[...this.nodes.values()].map((n) => n.core?.status().epoch ?? 0)),
      simulatedMs: this.nowMs,
      stats: this.stats,
    };
  }

  private trace(line: string): void {
    this.options.trace?.(`${String(this.nowMs).padStart(6)} ${line}`);
  }

  // ------------------------------------------------------------ phases

  private runUntil(endMs: number, done?: () => boolean): boolean {
    const maxEvents = 2_000_000;
    while (this.events < maxEvents) {
      const at = this.queue.peekTime();
      if (at === undefined || at > endMs) break;
      const next = this.queue.pop()!;
      this.nowMs = next.atMs;
      this.events++;
      this.handle(next.event);
      if (done?.()) return true;
    }
    if (this.events >= maxEvents) throw new InvariantViolation(`more than ${maxEvents} events: the simulation does not settle`);
    this.nowMs = Math.max(this.nowMs, endMs);
    return false;
  }

  private stopFaults(): void {
    this.faultsOn = false;
    this.blockedLinks.clear();
    this.lossRate = 0;
    this.duplicateRate = 0;
    this.trace("faults stop: network healed, crashed nodes restart");
    for (const node of this.nodes.values()) if (!node.core) this.start(node);
  }

  /** After faults stop: a leader commits a new entry and every node applies it within the bound. */
  private runLivenessPhase(): void {
    const deadline = this.nowMs + this.livenessBoundMs;
    let target: { offset: number; epoch: number } | null = null;
    const settled = (): boolean => {
      if (target) {
        const committed = this.checker.committedEntry(target.offset);
        const lostLeadership = !committed && !this.currentLeaders().some((n) => n.core!.status().epoch === target!.epoch);
        // The proposal was overwritten by a newer leader or will never commit: propose again.
        if ((committed && committed.epoch !== target.epoch) || lostLeadership) target = null;
      }
      if (!target) {
        const leader = this.currentLeaders()[0];
        if (!leader?.core) return false;
        const result = leader.core.propose([new TextEncoder().encode(`final-${this.options.seed}`)]);
        if (result.ok) target = { offset: result.lastOffset, epoch: result.epoch };
        this.pump(leader);
        return false;
      }
      const offset = target.offset;
      if (!this.checker.committedEntry(offset)) return false;
      for (const node of this.nodes.values()) if (node.appliedOffset <= offset) return false;
      return true;
    };
    if (this.runUntil(deadline, settled)) return;
    const roles = [...this.nodes.values()].map((n) => {
      const s = n.core?.status();
      return `${n.id}:${s?.role}@${s?.epoch} hw=${s?.highWatermark} applied=${n.appliedOffset} end=${s?.logEndOffset}`;
    });
    throw new SimulationFailure(
      this.options.seed,
      this.options.voters,
      this.nowMs,
      `liveness: no leader committed and replicated a new entry within ${this.livenessBoundMs} ms after faults stopped [${roles.join(", ")}]`,
    );
  }

  private currentLeaders(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.core?.status().role === "leader");
  }

  // ------------------------------------------------------------ events

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case "tick": {
        const node = this.nodes.get(event.node)!;
        if (!node.core || node.incarnation !== event.incarnation) return;
        node.core.tick(this.nowMs);
        this.afterInput(node);
        this.queue.push(this.nowMs + TICK_INTERVAL_MS, event);
        return;
      }
      case "deliver": {
        const node = this.nodes.get(event.message.to)!;
        if (!node.core) return;
        if (this.options.traceMessages) this.trace(`deliver ${describeMessage(event.message)}`);
        node.core.tick(this.nowMs);
        node.core.step(event.message);
        this.afterInput(node);
        return;
      }
      case "persisted": {
        const node = this.nodes.get(event.node)!;
        if (!node.core || node.incarnation !== event.incarnation) return;
        this.completePersist(node, event.ready);
        return;
      }
      case "propose":
        this.proposeSomewhere();
        if (this.faultsOn) this.queue.push(this.nowMs + this.rng.int(10, 120), event);
        return;
      case "fault":
        if (!this.faultsOn) return;
        this.injectFault();
        this.queue.push(this.nowMs + this.rng.int(50, 600), event);
        return;
      case "crash": {
        const node = this.nodes.get(event.node)!;
        if (this.faultsOn && node.core && node.incarnation === event.incarnation) this.crash(node);
        return;
      }
      case "restart": {
        const node = this.nodes.get(event.node)!;
        if (!node.core) this.start(node);
        return;
      }
    }
  }

  private proposeSomewhere(): void {
    const leaders = this.currentLeaders();
    if (leaders.length === 0) return;
    const leader = this.rng.pick(leaders);
    const count = this.rng.int(1, 3);
    const payloads = Array.from({ length: count }, () => new TextEncoder().encode(`p${this.proposalCounter++}`));
    leader.core!.propose(payloads);
    this.afterInput(leader);
  }

  private injectFault(): void {
    const all = [...this.nodes.values()];
    const roll = this.rng.next();
    if (roll < 0.2) {
      const victim = this.rng.pick(all.filter((n) => n.core));
      if (victim) this.crash(victim);
    } else if (roll < 0.3) {
      const leader = this.currentLeaders()[0];
      if (leader) this.crash(leader);
    } else if (roll < 0.38) {
      const leader = this.currentLeaders()[0];
      if (leader?.core) {
        this.trace(`node ${leader.id} resigns gracefully`);
        leader.core.resign();
        this.afterInput(leader);
        this.crashLater(leader, this.nowMs + this.rng.int(0, 50));
      }
    } else if (roll < 0.55) {
      // Symmetric partition: a random subset cannot talk to the rest.
      const side = new Set(all.filter(() => this.rng.chance(0.5)).map((n) => n.id));
      this.blockedLinks.clear();
      for (const a of all) for (const b of all) if (side.has(a.id) !== side.has(b.id)) this.blockedLinks.add(`${a.id}>${b.id}`);
      this.trace(`partition {${[...side].join(",")}} | rest`);
    } else if (roll < 0.7) {
      const a = this.rng.pick(all);
      const b = this.rng.pick(all.filter((n) => n !== a));
      if (b) {
        this.blockedLinks.add(`${a.id}>${b.id}`);
        this.trace(`one-way cut ${a.id} -> ${b.id}`);
      }
    } else if (roll < 0.85) {
      this.blockedLinks.clear();
      this.trace("network healed");
    } else {
      for (const node of all) if (!node.core && this.rng.chance(0.5)) this.start(node);
    }
  }

  private crashLater(node: SimNode, atMs: number): void {
    this.queue.push(atMs, { kind: "crash", node: node.id, incarnation: node.incarnation });
  }

  private crash(node: SimNode): void {
    this.trace(`node ${node.id} crashes (unflushed log and quorum-state writes are lost)`);
    this.stats.crashes++;
    node.core = null;
    node.persisting = false;
    node.log = node.log.crashed();
    this.queue.push(this.nowMs + this.rng.int(20, 800), { kind: "restart", node: node.id });
  }

  private start(node: SimNode): void {
    node.incarnation++;
    node.persisting = false;
    node.appliedOffset = 0;
    node.digest = 0;
    node.lastSnapshotOffset = node.log.latestSnapshot()?.id.endOffset ?? 0;
    node.lastLeaderEpoch = 0;
    const nodeRng = this.rng.fork(node.id * 1000 + node.incarnation);
    node.core = new RaftCore({
      config: node.config,
      log: node.log,
      quorumState: node.durableQuorum,
      nowMs: this.nowMs,
      random: () => nodeRng.next(),
    });
    this.trace(`node ${node.id} starts (incarnation ${node.incarnation}, epoch ${node.durableQuorum?.epoch ?? 0}, log ${node.log.startOffset()}..${node.log.endOffset()})`);
    this.queue.push(this.nowMs + this.rng.int(0, TICK_INTERVAL_MS), { kind: "tick", node: node.id, incarnation: node.incarnation });
    this.afterInput(node);
  }

  // ------------------------------------------------------------ node I/O

  private afterInput(node: SimNode): void {
    this.checkNode(node);
    this.pump(node);
  }

  private pump(node: SimNode): void {
    const core = node.core;
    if (!core || node.persisting || !core.hasReady()) return;
    const ready = core.ready();
    node.persisting = true;
    const latency = this.rng.int(0, this.diskMaxLatencyMs);
    this.queue.push(this.nowMs + latency, { kind: "persisted", node: node.id, incarnation: node.incarnation, ready });
  }

  private completePersist(node: SimNode, ready: Ready): void {
    const core = node.core!;
    if (ready.quorumState) node.durableQuorum = ready.quorumState;
    if (ready.flushLog) node.log.flush();
    node.persisting = false;
    core.handlePersisted(ready);
    for (const message of ready.messages) this.send(message);
    if (ready.snapshot) {
      this.stats.snapshotsLoaded++;
      const digest = decodeSnapshotDigest(ready.snapshot.data);
      this.checker.onSnapshotLoaded(node.id, ready.snapshot.id.endOffset, digest);
      node.appliedOffset = ready.snapshot.id.endOffset;
      node.digest = digest;
      node.lastSnapshotOffset = Math.max(node.lastSnapshotOffset, ready.snapshot.id.endOffset);
    }
    for (const entry of ready.committed) {
      if (entry.offset !== node.appliedOffset) {
        throw new InvariantViolation(`node ${node.id} was handed offset ${entry.offset} to apply after ${node.appliedOffset}`);
      }
      node.digest = this.checker.onApply(node.id, entry, node.digest);
      node.appliedOffset = entry.offset + 1;
    }
    if (node.appliedOffset - node.lastSnapshotOffset >= SNAPSHOT_EVERY_ENTRIES) {
      core.createSnapshot(node.appliedOffset, encodeSnapshot(node.digest, node.appliedOffset));
      node.lastSnapshotOffset = node.appliedOffset;
    }
    this.afterInput(node);
  }

  private send(message: RaftMessage): void {
    if (this.blockedLinks.has(`${message.from}>${message.to}`)) return;
    const body = message.body;
    if (body.type === "FetchResponse" && body.divergingEpoch) this.stats.divergenceTruncations++;
    if (body.type === "FetchSnapshotResponse" && body.error === "NONE") this.stats.snapshotChunksServed++;
    if (this.netRng.chance(this.lossRate)) {
      this.stats.messagesLost++;
      return;
    }
    const copies = this.netRng.chance(this.duplicateRate) ? 2 : 1;
    if (copies > 1) this.stats.messagesDuplicated++;
    for (let i = 0; i < copies; i++) {
      this.queue.push(this.nowMs + this.netRng.int(1, this.maxDelayMs), { kind: "deliver", message });
    }
  }

  private checkNode(node: SimNode): void {
    const core = node.core;
    if (!core) return;
    const status = core.status();
    this.checker.onHighWatermark(node.id, node.incarnation, status.highWatermark);
    if (this.options.trace) {
      const line = `${status.role}@${status.epoch} leader=${status.leaderId} voted=${status.votedId}`;
      if (line !== node.lastRoleTrace) {
        node.lastRoleTrace = line;
        this.trace(`node ${node.id}: ${line} hw=${status.highWatermark} log=${status.logStartOffset}..${status.logEndOffset}`);
      }
    }
    if (status.role === "leader" && node.lastLeaderEpoch !== status.epoch) {
      node.lastLeaderEpoch = status.epoch;
      this.stats.elections++;
      this.trace(`node ${node.id} becomes leader of epoch ${status.epoch} (log end ${status.logEndOffset})`);
      this.checker.onLeaderElected(node.id, status.epoch, node.log);
    }
  }
}

function encodeSnapshot(digest: number, endOffset: number): Uint8Array {
  const data = new Uint8Array(8 + SNAPSHOT_FILLER_BYTES);
  const view = new DataView(data.buffer);
  view.setUint32(0, digest);
  view.setUint32(4, endOffset);
  for (let i = 8; i < data.length; i++) data[i] = (endOffset + i) & 0xff;
  return data;
}

function decodeSnapshotDigest(data: Uint8Array): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
}

export function runSimulation(options: SimulationOptions): SimulationResult {
  return new Simulation(options).run();
}

export { chainDigest };

function describeMessage(message: RaftMessage): string {
  const { entries, payload, bytes, ...rest } = message.body as unknown as Record<string, unknown>;
  const extra = Array.isArray(entries) ? ` entries=${entries.length > 0 ? `${(entries[0] as { offset: number }).offset}+${entries.length}` : 0}` : "";
  void payload;
  void bytes;
  return `${message.from}->${message.to} #${message.correlationId} ${JSON.stringify(rest)}${extra}`;
}
