import { assert } from "./assert.js";
import { validateRaftConfig, type RaftConfig } from "./config.js";
import { sameSnapshotId, type RaftLog } from "./log.js";
import type {
  BeginQuorumEpochRequest,
  EndQuorumEpochRequest,
  FetchRequest,
  FetchResponse,
  FetchSnapshotRequest,
  FetchSnapshotResponse,
  RaftBody,
  RaftErrorName,
  RaftMessage,
  RaftRequest,
  VoteRequest,
  VoteResponse,
} from "./messages.js";
import {
  compareLogPosition,
  EMPTY_QUORUM_STATE,
  sameQuorumState,
  type LogEntry,
  type NodeId,
  type QuorumState,
  type Snapshot,
  type SnapshotId,
} from "./types.js";

export type RaftRole = "unattached" | "prospective" | "candidate" | "leader" | "follower" | "resigned";

/**
 * One batch of work for the driver, etcd `Ready` style. The driver must, in order:
 * persist `quorumState` (fsync) and flush the log if `flushLog`, then call
 * `handlePersisted(ready)`, then send `messages`, then load `snapshot` (if any) into
 * the state machine and apply `committed`. No new Ready is issued until the previous
 * one was acknowledged, so every reply goes out only after what it depends on is durable.
 */
export interface Ready {
  readonly quorumState: QuorumState | null;
  readonly flushLog: boolean;
  readonly logEndOffset: number;
  readonly messages: readonly RaftMessage[];
  readonly snapshot: Snapshot | null;
  readonly committed: readonly LogEntry[];
}

export interface RaftStatus {
  readonly nodeId: NodeId;
  readonly role: RaftRole;
  readonly isVoter: boolean;
  readonly epoch: number;
  readonly leaderId: NodeId | null;
  readonly votedId: NodeId | null;
  readonly highWatermark: number;
  readonly appliedOffset: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** First offset of the leader's own epoch; nothing counts as committed by this leader before an entry at or after it. */
  readonly epochStartOffset: number | null;
}

/** One replica as the leader sees it (KRaft's DescribeQuorum ReplicaState). */
export interface ReplicaState {
  readonly nodeId: NodeId;
  readonly isVoter: boolean;
  /** -1 when the replica has not fetched in this epoch. */
  readonly logEndOffset: number;
  readonly lastFetchMs: number;
  readonly lastCaughtUpMs: number;
}

export type ProposeResult =
  | { readonly ok: true; readonly epoch: number; readonly firstOffset: number; readonly lastOffset: number }
  | { readonly ok: false; readonly error: "NOT_LEADER"; readonly leaderId: NodeId | null; readonly epoch: number };

interface ReplicaProgress {
  /** The replica's log end as validated by its last fetch in this epoch. */
  endOffset: number;
  lastFetchMs: number;
  /** Last time a fetch from the replica reached the leader's log end (-1: never in this epoch). */
  lastCaughtUpMs: number;
  lastBeginQuorumSentMs: number;
}

interface ParkedFetch {
  readonly message: RaftMessage<FetchRequest>;
  readonly deadlineMs: number;
}

interface PendingRequest {
  readonly correlationId: number;
  readonly to: NodeId;
  readonly sentMs: number;
}

interface SnapshotDownload {
  readonly id: SnapshotId;
  readonly chunks: Uint8Array[];
  position: number;
}

/**
 * The Raft state machine of one node: KRaft-style pull replication, pre-vote,
 * BeginQuorumEpoch/EndQuorumEpoch, check-quorum, divergence truncation and snapshots.
 * It has no timers, sockets or files: time comes in through `tick`, messages through
 * `step`, randomness through the injected `random`, and all output leaves through
 * `ready()`.
 */
export class RaftCore {
  private readonly config: RaftConfig;
  private readonly log: RaftLog;
  private readonly random: () => number;
  private readonly isVoter: boolean;
  private readonly majority: number;

  private nowMs: number;
  private nextCorrelationId: number;

  private role: RaftRole = "unattached";
  private epoch: number;
  private votedId: NodeId | null;
  private leaderId: NodeId | null;
  private persistedQuorum: QuorumState;

  private highWatermark: number;
  private appliedOffset: number;
  /** Log end known durable; the leader counts only this much of its own log towards the high watermark. */
  private flushedEndOffset: number;
  private logDirty = false;
  private outbox: RaftMessage[] = [];
  private pendingSnapshotLoad: Snapshot | null;
  private readyInFlight: Ready | null = null;
  /** Lowest offset truncated to while a Ready's flush was in flight; caps what that flush proves. */
  private truncatedDuringFlush = Number.POSITIVE_INFINITY;

  private electionDeadlineMs = 0;
  // Prospective and candidate state.
  private votesGranted = new Set<NodeId>();
  private votesRejected = new Set<NodeId>();
  private pendingVotes = new Map<NodeId, PendingRequest>();
  // Leader state.
  private epochStartOffset = 0;
  private replicas = new Map<NodeId, ReplicaProgress>();
  private parkedFetches = new Map<NodeId, ParkedFetch>();
  // Follower and observer state.
  private inflightFetch: PendingRequest | null = null;
  private nextFetchAtMs = 0;
  /** Last time the leader itself answered a fetch or announced itself; hearsay does not count. */
  private lastLeaderContactMs = Number.NEGATIVE_INFINITY;
  private followerSinceMs = 0;
  private snapshotDownload: SnapshotDownload | null = null;

  constructor(options: {
    config: RaftConfig;
    log: RaftLog;
    quorumState: QuorumState | null;
    nowMs: number;
    random: () => number;
  }) {
    validateRaftConfig(options.config);
    this.config = options.config;
    this.log = options.log;
    this.random = options.random;
    this.nowMs = options.nowMs;
    this.isVoter = this.config.voters.includes(this.config.nodeId);
    this.majority = Math.floor(this.config.voters.length / 2) + 1;
    // A fresh base per incarnation so answers to a previous incarnation's requests never match.
    this.nextCorrelationId = Math.floor(this.random() * 0x3fffffff);

    const state = options.quorumState ?? EMPTY_QUORUM_STATE;
    this.epoch = state.epoch;
    this.votedId = state.votedId;
    this.leaderId = null;
    this.persistedQuorum = state;

    const snapshot = this.log.latestSnapshot();
    this.pendingSnapshotLoad = snapshot;
    this.appliedOffset = snapshot ? snapshot.id.endOffset : this.log.startOffset();
    this.highWatermark = this.appliedOffset;
    this.flushedEndOffset = this.log.endOffset();

    if (state.leaderId !== null && state.leaderId !== this.config.nodeId) {
      this.becomeFollower(state.epoch, state.leaderId);
    } else {
      // A restarted leader lost its in-memory replica progress: it waits for a new election.
      this.becomeUnattached(state.epoch);
    }
  }

  // ---------------------------------------------------------------- inputs

  tick(nowMs: number): void {
    assert(nowMs >= this.nowMs, `clock went back from ${this.nowMs} to ${nowMs}`);
    this.nowMs = nowMs;
    switch (this.role) {
      case "leader":
        this.tickLeader();
        break;
      case "follower":
        this.tickFollower();
        break;
      case "unattached":
      case "resigned":
        if (!this.isVoter) this.tickFollower();
        else if (nowMs >= this.electionDeadlineMs) this.becomeProspective();
        break;
      case "prospective":
      case "candidate":
        this.tickElection();
        break;
    }
  }

  step(message: RaftMessage): void {
    assert(message.to === this.config.nodeId, `message for ${message.to} stepped into ${this.config.nodeId}`);
    const body = message.body;
    if (!this.observeEpoch(message.from, body)) return;
    switch (body.type) {
      case "VoteRequest":
        return this.onVoteRequest(message as RaftMessage<VoteRequest>);
      case "VoteResponse":
        return this.onVoteResponse(message as RaftMessage<VoteResponse>);
      case "BeginQuorumEpochRequest":
        return this.onBeginQuorumEpoch(message as RaftMessage<BeginQuorumEpochRequest>);
      case "EndQuorumEpochRequest":
        return this.onEndQuorumEpoch(message as RaftMessage<EndQuorumEpochRequest>);
      case "FetchRequest":
        return this.onFetchRequest(message as RaftMessage<FetchRequest>);
      case "FetchResponse":
        return this.onFetchResponse(message as RaftMessage<FetchResponse>);
      case "FetchSnapshotRequest":
        return this.onFetchSnapshotRequest(message as RaftMessage<FetchSnapshotRequest>);
      case "FetchSnapshotResponse":
        return this.onFetchSnapshotResponse(message as RaftMessage<FetchSnapshotResponse>);
      case "BeginQuorumEpochResponse":
      case "EndQuorumEpochResponse":
        return;
    }
  }

  propose(payloads: readonly Uint8Array[]): ProposeResult {
    if (this.role !== "leader") return { ok: false, error: "NOT_LEADER", leaderId: this.leaderId, epoch: this.epoch };
    assert(payloads.length > 0, "propose needs at least one payload");
    const firstOffset = this.log.endOffset();
    this.appendAsLeader(payloads.map((payload, i) => ({ offset: firstOffset + i, epoch: this.epoch, kind: "data" as const, payload })));
    return { ok: true, epoch: this.epoch, firstOffset, lastOffset: firstOffset + payloads.length - 1 };
  }

  /** Graceful shutdown of a leader (KRaft EndQuorumEpoch): voters elect a successor at once. */
  resign(): void {
    if (this.role !== "leader") return;
    const successors = this.config.voters
      .filter((id) => id !== this.config.nodeId)
      .sort((a, b) => (this.replicas.get(b)?.endOffset ?? 0) - (this.replicas.get(a)?.endOffset ?? 0));
    for (const id of successors) {
      this.send(id, { type: "EndQuorumEpochRequest", epoch: this.epoch, leaderId: this.config.nodeId, preferredSuccessors: successors });
    }
    this.clearRoleState();
    this.role = "resigned";
    this.leaderId = null;
    this.electionDeadlineMs = this.nowMs + this.config.electionTimeoutMs;
  }

  /**
   * Stores a snapshot of the state machine as of `endOffset` (every entry before it
   * applied) and deletes the log prefix it covers.
   */
  createSnapshot(endOffset: number, data: Uint8Array): SnapshotId | null {
    assert(endOffset <= this.appliedOffset, `snapshot at ${endOffset} beyond applied offset ${this.appliedOffset}`);
    const current = this.log.latestSnapshot();
    if (endOffset <= (current?.id.endOffset ?? 0) || endOffset <= this.log.startOffset()) return null;
    const epoch = this.log.epochAt(endOffset - 1);
    assert(epoch !== undefined, `no entry at ${endOffset - 1} for a snapshot`);
    const id = { endOffset, epoch };
    this.log.saveSnapshotAndDeletePrefix({ id, data });
    return id;
  }

  // ---------------------------------------------------------------- output

  hasReady(): boolean {
    if (this.readyInFlight) return false;
    return (
      this.outbox.length > 0 ||
      this.logDirty ||
      this.pendingSnapshotLoad !== null ||
      this.highWatermark > this.appliedOffset ||
      !sameQuorumState(this.quorumState(), this.persistedQuorum)
    );
  }

  ready(): Ready {
    assert(this.readyInFlight === null, "ready() called before the previous Ready was persisted");
    const quorum = this.quorumState();
    const snapshot = this.pendingSnapshotLoad;
    this.pendingSnapshotLoad = null;
    let committed: LogEntry[] = [];
    if (this.highWatermark > this.appliedOffset) {
      committed = this.log.read(this.appliedOffset, this.config.applyMaxBytes).filter((e) => e.offset < this.highWatermark);
      const last = committed[committed.length - 1];
      if (last) this.appliedOffset = last.offset + 1;
    }
    const ready: Ready = {
      quorumState: sameQuorumState(quorum, this.persistedQuorum) ? null : quorum,
      flushLog: this.logDirty,
      logEndOffset: this.log.endOffset(),
      messages: this.outbox,
      snapshot,
      committed,
    };
    this.outbox = [];
    this.logDirty = false;
    this.truncatedDuringFlush = Number.POSITIVE_INFINITY;
    this.readyInFlight = ready;
    return ready;
  }

  handlePersisted(ready: Ready): void {
    assert(ready === this.readyInFlight, "handlePersisted for a Ready that is not in flight");
    this.readyInFlight = null;
    if (ready.quorumState) this.persistedQuorum = ready.quorumState;
    if (ready.flushLog) {
      this.flushedEndOffset = Math.max(this.flushedEndOffset, Math.min(ready.logEndOffset, this.truncatedDuringFlush));
    }
    if (this.role === "leader") this.maybeAdvanceHighWatermark();
  }

  status(): RaftStatus {
    return {
      nodeId: this.config.nodeId,
      role: this.role,
      isVoter: this.isVoter,
      epoch: this.epoch,
      leaderId: this.leaderId,
      votedId: this.votedId,
      highWatermark: this.highWatermark,
      appliedOffset: this.appliedOffset,
      logStartOffset: this.log.startOffset(),
      logEndOffset: this.log.endOffset(),
      epochStartOffset: this.role === "leader" ? this.epochStartOffset : null,
    };
  }

  /**
   * The leader's view of every replica that fetched in this epoch (DescribeQuorum):
   * log end, last fetch and last caught-up times. The leader itself is listed with
   * its own log end. Empty on a node that does not lead.
   */
  replicaStates(): ReplicaState[] {
    if (this.role !== "leader") return [];
    const states: ReplicaState[] = [{ nodeId: this.config.nodeId, logEndOffset: this.log.endOffset(), lastFetchMs: this.nowMs, lastCaughtUpMs: this.nowMs, isVoter: this.isVoter }];
    for (const [id, p] of this.replicas) {
      if (id === this.config.nodeId) continue;
      states.push({ nodeId: id, logEndOffset: p.endOffset, lastFetchMs: p.lastFetchMs, lastCaughtUpMs: p.lastCaughtUpMs, isVoter: this.config.voters.includes(id) });
    }
    for (const id of this.config.voters) {
      if (!states.some((s) => s.nodeId === id)) states.push({ nodeId: id, logEndOffset: -1, lastFetchMs: -1, lastCaughtUpMs: -1, isVoter: true });
    }
    return states;
  }

  quorumState(): QuorumState {
    return { epoch: this.epoch, votedId: this.votedId, leaderId: this.leaderId };
  }

  // ---------------------------------------------------------------- transitions

  private clearRoleState(): void {
    this.votesGranted.clear();
    this.votesRejected.clear();
    this.pendingVotes.clear();
    this.replicas.clear();
    this.parkedFetches.clear();
    this.inflightFetch = null;
    this.snapshotDownload = null;
  }

  private resetElectionDeadline(): void {
    this.electionDeadlineMs = this.nowMs + this.config.electionTimeoutMs + Math.floor(this.random() * this.config.electionJitterMs);
  }

  private setEpoch(epoch: number): void {
    if (epoch > this.epoch) {
      this.epoch = epoch;
      this.votedId = null;
    }
    this.leaderId = null;
  }

  private becomeUnattached(epoch: number): void {
    this.clearRoleState();
    this.setEpoch(epoch);
    this.role = "unattached";
    this.resetElectionDeadline();
    this.nextFetchAtMs = this.nowMs;
  }

  private becomeFollower(epoch: number, leaderId: NodeId, fromLeader = false): void {
    assert(leaderId !== this.config.nodeId, "a node cannot follow itself");
    this.clearRoleState();
    this.setEpoch(epoch);
    this.leaderId = leaderId;
    this.role = "follower";
    this.followerSinceMs = this.nowMs;
    this.lastLeaderContactMs = fromLeader ? this.nowMs : Number.NEGATIVE_INFINITY;
    this.nextFetchAtMs = this.nowMs;
    this.sendFetch();
  }

  private becomeProspective(): void {
    assert(this.isVoter, "an observer never campaigns");
    this.clearRoleState();
    this.leaderId = null;
    this.role = "prospective";
    this.resetElectionDeadline();
    this.votesGranted.add(this.config.nodeId);
    this.sendVoteRequests(true);
    if (this.votesGranted.size >= this.majority) this.becomeCandidate();
  }

  private becomeCandidate(): void {
    this.clearRoleState();
    this.epoch += 1;
    this.votedId = this.config.nodeId;
    this.leaderId = null;
    this.role = "candidate";
    this.resetElectionDeadline();
    this.votesGranted.add(this.config.nodeId);
    this.sendVoteRequests(false);
    if (this.votesGranted.size >= this.majority) this.becomeLeader();
  }

  private becomeLeader(): void {
    this.clearRoleState();
    this.role = "leader";
    this.leaderId = this.config.nodeId;
    this.epochStartOffset = this.log.endOffset();
    for (const id of this.config.voters) {
      if (id === this.config.nodeId) continue;
      // Everyone gets one fetch timeout of grace before check-quorum counts them missing.
      this.replicas.set(id, { endOffset: 0, lastFetchMs: this.nowMs, lastCaughtUpMs: -1, lastBeginQuorumSentMs: this.nowMs });
      this.send(id, { type: "BeginQuorumEpochRequest", epoch: this.epoch, leaderId: this.config.nodeId });
    }
    // The leader-change entry is the first entry of this epoch; committing it commits everything before.
    const payload = new TextEncoder().encode(JSON.stringify({ leaderId: this.config.nodeId, voters: this.config.voters }));
    this.appendAsLeader([{ offset: this.epochStartOffset, epoch: this.epoch, kind: "leader-change", payload }]);
  }

  /**
   * Handles the epoch a message carries. Returns false when the message is stale and
   * must be dropped. A higher epoch moves this node into it (as follower when the
   * message names the leader); a pre-vote never changes anything.
   */
  private observeEpoch(from: NodeId, body: RaftBody): boolean {
    if (body.type === "VoteRequest" && body.preVote) return true;
    if (body.type === "VoteResponse" && body.preVote && body.voteGranted) return true;
    const leaderId = messageLeaderId(body);
    const fromLeader = leaderId === from;
    if (body.epoch > this.epoch) {
      if (leaderId !== null && leaderId !== this.config.nodeId) this.becomeFollower(body.epoch, leaderId, fromLeader);
      else this.becomeUnattached(body.epoch);
      return true;
    }
    if (body.epoch < this.epoch) {
      // Requests from the past still get an answer so their sender learns the epoch.
      return body.type.endsWith("Request");
    }
    if (leaderId !== null && body.type !== "EndQuorumEpochRequest") {
      if (leaderId === this.config.nodeId) {
        // A restarted former leader may be named by others; it waits for the next election.
      } else if (this.role === "leader") {
        assert(false, `node ${this.config.nodeId} leads epoch ${this.epoch} but ${from} names ${leaderId} as leader`);
      } else if (this.leaderId !== leaderId) {
        this.becomeFollower(this.epoch, leaderId, fromLeader);
      } else if (fromLeader && body.type === "BeginQuorumEpochRequest") {
        this.lastLeaderContactMs = this.nowMs;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- elections

  private sendVoteRequests(preVote: boolean): void {
    for (const id of this.config.voters) {
      if (id === this.config.nodeId) continue;
      const correlationId = this.send(id, {
        type: "VoteRequest",
        epoch: preVote ? this.epoch + 1 : this.epoch,
        candidateId: this.config.nodeId,
        lastEpoch: this.log.lastEpoch(),
        endOffset: this.log.endOffset(),
        preVote,
      });
      this.pendingVotes.set(id, { correlationId, to: id, sentMs: this.nowMs });
    }
  }

  private tickElection(): void {
    if (this.nowMs >= this.electionDeadlineMs) {
      this.becomeProspective();
      return;
    }
    for (const [id, pending] of this.pendingVotes) {
      if (this.nowMs - pending.sentMs < this.config.requestTimeoutMs) continue;
      const preVote = this.role === "prospective";
      const correlationId = this.send(id, {
        type: "VoteRequest",
        epoch: preVote ? this.epoch + 1 : this.epoch,
        candidateId: this.config.nodeId,
        lastEpoch: this.log.lastEpoch(),
        endOffset: this.log.endOffset(),
        preVote,
      });
      this.pendingVotes.set(id, { correlationId, to: id, sentMs: this.nowMs });
    }
  }

  private candidateLogIsUpToDate(request: VoteRequest): boolean {
    return compareLogPosition(request.lastEpoch, request.endOffset, this.log.lastEpoch(), this.log.endOffset()) >= 0;
  }

  private onVoteRequest(message: RaftMessage<VoteRequest>): void {
    const request = message.body;
    const reply = (granted: boolean) =>
      this.reply(message, {
        type: "VoteResponse",
        error: "NONE",
        epoch: granted ? request.epoch : this.epoch,
        leaderId: this.leaderId,
        voteGranted: granted,
        preVote: request.preVote,
      });
    if (!this.isVoter || !this.config.voters.includes(request.candidateId)) return reply(false);
    if (request.preVote) {
      const hasLiveLeader =
        this.role === "leader" ||
        (this.role === "follower" && this.nowMs - this.lastLeaderContactMs < this.config.fetchTimeoutMs);
      return reply(request.epoch > this.epoch && !hasLiveLeader && this.candidateLogIsUpToDate(request));
    }
    if (request.epoch < this.epoch) return reply(false);
    const free = this.leaderId === null && (this.votedId === null || this.votedId === request.candidateId);
    const granted = (free || this.config.unsafeVoteTwice === true) && this.role !== "leader" && this.candidateLogIsUpToDate(request);
    if (granted && this.votedId !== request.candidateId) {
      this.votedId = request.candidateId;
      if (this.role === "prospective" || this.role === "candidate") this.becomeUnattached(this.epoch);
      else this.resetElectionDeadline();
    }
    reply(granted);
  }

  private onVoteResponse(message: RaftMessage<VoteResponse>): void {
    const response = message.body;
    const pending = this.pendingVotes.get(message.from);
    if (!pending || pending.correlationId !== message.correlationId) return;
    const expectedRole = response.preVote ? "prospective" : "candidate";
    if (this.role !== expectedRole) return;
    if (!response.preVote && response.epoch !== this.epoch) return;
    this.pendingVotes.delete(message.from);
    if (response.voteGranted) this.votesGranted.add(message.from);
    else this.votesRejected.add(message.from);
    if (this.votesGranted.size >= this.majority) {
      if (response.preVote) this.becomeCandidate();
      else this.becomeLeader();
    }
    // A lost election waits for the election deadline, which tickElection turns into a new pre-vote.
    if (response.preVote && this.votesGranted.size + this.pendingVotes.size < this.majority) {
      // Voters refuse pre-votes while they still hear from a leader; after a leader dies they
      // notice within one long poll of us, so retry then instead of a whole election timeout.
      const retryAtMs = this.nowMs + this.config.fetchMaxWaitMs + Math.floor(this.random() * this.config.retryBackoffMs);
      this.electionDeadlineMs = Math.min(this.electionDeadlineMs, retryAtMs);
    }
  }

  private onBeginQuorumEpoch(message: RaftMessage<BeginQuorumEpochRequest>): void {
    // observeEpoch already made this node a follower of the sender when the epoch is current.
    this.reply(message, { type: "BeginQuorumEpochResponse", error: "NONE", epoch: this.epoch, leaderId: this.leaderId });
  }

  private onEndQuorumEpoch(message: RaftMessage<EndQuorumEpochRequest>): void {
    const request = message.body;
    if (request.epoch === this.epoch && this.leaderId === request.leaderId && this.role === "follower") {
      this.becomeUnattached(this.epoch);
      // The best-placed successor campaigns at once; the others wait one backoff step per rank.
      const rank = Math.max(0, request.preferredSuccessors.indexOf(this.config.nodeId));
      this.electionDeadlineMs = this.nowMs + rank * this.config.retryBackoffMs;
    }
    this.reply(message, { type: "EndQuorumEpochResponse", error: "NONE", epoch: this.epoch, leaderId: this.leaderId });
  }

  // ---------------------------------------------------------------- leader

  private appendAsLeader(entries: LogEntry[]): void {
    this.log.append(entries);
    this.logDirty = true;
    this.answerParkedFetches();
  }

  private tickLeader(): void {
    let live = 1;
    for (const [id, progress] of this.replicas) {
      if (!this.config.voters.includes(id)) continue;
      const sinceFetchMs = this.nowMs - progress.lastFetchMs;
      if (sinceFetchMs < this.config.fetchTimeoutMs) live++;
      // Voters that stopped fetching may have missed BeginQuorumEpoch: tell them again.
      if (sinceFetchMs >= this.config.requestTimeoutMs && this.nowMs - progress.lastBeginQuorumSentMs >= this.config.requestTimeoutMs) {
        progress.lastBeginQuorumSentMs = this.nowMs;
        this.send(id, { type: "BeginQuorumEpochRequest", epoch: this.epoch, leaderId: this.config.nodeId });
      }
    }
    if (live < this.majority) {
      // Check-quorum: a leader cut off from a majority resigns instead of serving stale reads.
      this.becomeUnattached(this.epoch);
      return;
    }
    for (const [id, parked] of this.parkedFetches) {
      if (this.nowMs >= parked.deadlineMs) {
        this.parkedFetches.delete(id);
        this.answerFetch(parked.message);
      }
    }
  }

  private maybeAdvanceHighWatermark(): boolean {
    const ends = this.config.voters.map((id) =>
      id === this.config.nodeId ? this.flushedEndOffset : (this.replicas.get(id)?.endOffset ?? 0),
    );
    ends.sort((a, b) => b - a);
    const candidate = ends[this.majority - 1]!;
    // Only an entry of the leader's own epoch commits by counting replicas (Raft §5.4.2).
    if (candidate > this.highWatermark && candidate > this.epochStartOffset) {
      this.highWatermark = candidate;
      this.answerParkedFetches();
      return true;
    }
    return false;
  }

  private answerParkedFetches(): void {
    if (this.parkedFetches.size === 0) return;
    const parked = [...this.parkedFetches.values()];
    this.parkedFetches.clear();
    for (const p of parked) this.answerFetch(p.message);
  }

  private fetchError(message: RaftMessage<FetchRequest>, error: RaftErrorName): void {
    this.reply(message, {
      type: "FetchResponse",
      error,
      epoch: this.epoch,
      leaderId: this.leaderId,
      highWatermark: this.highWatermark,
      logStartOffset: this.log.startOffset(),
      entries: [],
      divergingEpoch: null,
      snapshotId: null,
    });
  }

  private onFetchRequest(message: RaftMessage<FetchRequest>): void {
    const request = message.body;
    if (this.role !== "leader") return this.fetchError(message, "NOT_LEADER_OR_FOLLOWER");
    if (request.epoch < this.epoch) return this.fetchError(message, "FENCED_LEADER_EPOCH");
    let progress = this.replicas.get(request.replicaId);
    if (!progress) {
      progress = { endOffset: 0, lastFetchMs: this.nowMs, lastCaughtUpMs: -1, lastBeginQuorumSentMs: this.nowMs };
      this.replicas.set(request.replicaId, progress);
    }
    progress.lastFetchMs = this.nowMs;
    this.parkedFetches.delete(request.replicaId);

    const snapshotId = this.snapshotNeededFor(request);
    if (snapshotId) return this.answerFetch(message, { snapshotId });
    const diverging = this.log.endOffsetForEpoch(request.lastFetchedEpoch);
    if (diverging.epoch !== request.lastFetchedEpoch || diverging.endOffset < request.fetchOffset) {
      return this.answerFetch(message, { divergingEpoch: diverging });
    }
    // The replica's log matches ours up to fetchOffset, and it flushed before asking.
    progress.endOffset = Math.max(progress.endOffset, request.fetchOffset);
    if (request.fetchOffset >= this.log.endOffset()) progress.lastCaughtUpMs = this.nowMs;
    const advanced = this.config.voters.includes(request.replicaId) && this.maybeAdvanceHighWatermark();
    if (!advanced && request.fetchOffset >= this.log.endOffset() && request.maxWaitMs > 0) {
      this.parkedFetches.set(request.replicaId, { message, deadlineMs: this.nowMs + Math.min(request.maxWaitMs, this.config.fetchMaxWaitMs) });
      return;
    }
    this.answerFetch(message);
  }

  private snapshotNeededFor(request: FetchRequest): SnapshotId | null {
    const snapshot = this.log.latestSnapshot();
    if (!snapshot) return null;
    if (request.fetchOffset < this.log.startOffset()) return snapshot.id;
    // A replica whose last epoch predates everything we hold can only restart from the snapshot.
    if (this.log.endOffsetForEpoch(request.lastFetchedEpoch).epoch < 0) return snapshot.id;
    return null;
  }

  private answerFetch(
    message: RaftMessage<FetchRequest>,
    special: { snapshotId?: SnapshotId; divergingEpoch?: { epoch: number; endOffset: number } } = {},
  ): void {
    const request = message.body;
    const plain = !special.snapshotId && !special.divergingEpoch;
    const entries = plain && request.fetchOffset < this.log.endOffset() ? this.log.read(request.fetchOffset, Math.min(request.maxBytes, this.config.fetchMaxBytes)) : [];
    this.reply(message, {
      type: "FetchResponse",
      error: "NONE",
      epoch: this.epoch,
      leaderId: this.config.nodeId,
      highWatermark: this.highWatermark,
      logStartOffset: this.log.startOffset(),
      entries,
      divergingEpoch: special.divergingEpoch ?? null,
      snapshotId: special.snapshotId ?? null,
    });
  }

  private onFetchSnapshotRequest(message: RaftMessage<FetchSnapshotRequest>): void {
    const request = message.body;
    const snapshot = this.log.latestSnapshot();
    let error: RaftErrorName = "NONE";
    if (this.role !== "leader") error = "NOT_LEADER_OR_FOLLOWER";
    else if (request.epoch < this.epoch) error = "FENCED_LEADER_EPOCH";
    else if (!snapshot || !sameSnapshotId(snapshot.id, request.snapshotId) || request.position > snapshot.data.byteLength) error = "SNAPSHOT_NOT_FOUND";
    const progress = this.replicas.get(request.replicaId);
    if (error === "NONE" && progress) progress.lastFetchMs = this.nowMs;
    const bytes =
      error === "NONE"
        ? snapshot!.data.subarray(request.position, request.position + Math.min(request.maxBytes, this.config.snapshotChunkMaxBytes))
        : new Uint8Array(0);
    this.reply(message, {
      type: "FetchSnapshotResponse",
      error,
      epoch: this.epoch,
      leaderId: this.leaderId,
      snapshotId: request.snapshotId,
      sizeBytes: error === "NONE" ? snapshot!.data.byteLength : 0,
      position: request.position,
      bytes,
    });
  }

  // ---------------------------------------------------------------- follower and observer

  private fetchTarget(): NodeId | null {
    if (this.leaderId !== null) return this.leaderId;
    if (this.isVoter) return null;
    // An observer without a known leader asks a random voter, which answers with the leader it knows.
    return this.config.voters[Math.floor(this.random() * this.config.voters.length)]!;
  }

  private sendFetch(): void {
    const target = this.fetchTarget();
    if (target === null) return;
    if (this.snapshotDownload) {
      const download = this.snapshotDownload;
      const correlationId = this.send(target, {
        type: "FetchSnapshotRequest",
        epoch: this.epoch,
        replicaId: this.config.nodeId,
        snapshotId: download.id,
        position: download.position,
        maxBytes: this.config.snapshotChunkMaxBytes,
      });
      this.inflightFetch = { correlationId, to: target, sentMs: this.nowMs };
      return;
    }
    const correlationId = this.send(target, {
      type: "FetchRequest",
      epoch: this.epoch,
      replicaId: this.config.nodeId,
      fetchOffset: this.log.endOffset(),
      lastFetchedEpoch: this.log.lastEpoch(),
      maxBytes: this.config.fetchMaxBytes,
      maxWaitMs: this.config.fetchMaxWaitMs,
    });
    this.inflightFetch = { correlationId, to: target, sentMs: this.nowMs };
  }

  private tickFollower(): void {
    const quietMs = this.nowMs - Math.max(this.lastLeaderContactMs, this.followerSinceMs);
    if (this.role === "follower" && quietMs >= this.config.fetchTimeoutMs) {
      if (this.isVoter) this.becomeProspective();
      else this.becomeUnattached(this.epoch);
      return;
    }
    if (this.inflightFetch) {
      if (this.nowMs - this.inflightFetch.sentMs < this.config.requestTimeoutMs) return;
      this.inflightFetch = null;
    }
    if (this.nowMs >= this.nextFetchAtMs) this.sendFetch();
  }

  private takeInflight(message: RaftMessage): boolean {
    const inflight = this.inflightFetch;
    if (!inflight || inflight.correlationId !== message.correlationId || inflight.to !== message.from) return false;
    this.inflightFetch = null;
    return true;
  }

  private retryFetchLater(): void {
    this.nextFetchAtMs = this.nowMs + this.config.retryBackoffMs;
  }

  private onFetchResponse(message: RaftMessage<FetchResponse>): void {
    if (this.role === "leader" || !this.takeInflight(message)) return;
    const response = message.body;
    if (response.error === "NOT_LEADER_OR_FOLLOWER" && response.epoch === this.epoch && response.leaderId === null && message.from === this.leaderId) {
      // The node we follow says it no longer leads this epoch: stop waiting for it.
      this.becomeUnattached(this.epoch);
      return;
    }
    if (response.error !== "NONE" || response.epoch !== this.epoch || this.leaderId !== message.from) {
      return this.retryFetchLater();
    }
    this.lastLeaderContactMs = this.nowMs;
    if (response.divergingEpoch) {
      this.truncateToDivergence(response.divergingEpoch);
    } else if (response.snapshotId) {
      this.snapshotDownload = { id: response.snapshotId, chunks: [], position: 0 };
    } else {
      const entries = response.entries;
      if (entries.length > 0 && entries[0]!.offset === this.log.endOffset()) {
        this.log.append(entries);
        this.logDirty = true;
      }
      // Everything up to our log end now matches the leader, so its high watermark applies to it.
      this.advanceFollowerHighWatermark(Math.min(response.highWatermark, this.log.endOffset()));
    }
    this.sendFetch();
  }

  private advanceFollowerHighWatermark(offset: number): void {
    if (offset > this.highWatermark) this.highWatermark = offset;
  }

  private truncateToDivergence(diverging: { epoch: number; endOffset: number }): void {
    const local = this.log.endOffsetForEpoch(diverging.epoch);
    let offset = local.epoch < 0 ? this.log.startOffset() : Math.min(local.endOffset, diverging.endOffset);
    offset = Math.max(offset, this.log.startOffset());
    if (offset < this.log.endOffset()) {
      this.log.truncateTo(offset);
      this.logDirty = true;
      this.flushedEndOffset = Math.min(this.flushedEndOffset, offset);
      this.truncatedDuringFlush = Math.min(this.truncatedDuringFlush, offset);
    }
  }

  private onFetchSnapshotResponse(message: RaftMessage<FetchSnapshotResponse>): void {
    if (this.role === "leader" || !this.takeInflight(message)) return;
    const response = message.body;
    const download = this.snapshotDownload;
    if (!download || response.error !== "NONE" || !sameSnapshotId(download.id, response.snapshotId) || response.position !== download.position) {
      this.snapshotDownload = null;
      return this.retryFetchLater();
    }
    this.lastLeaderContactMs = this.nowMs;
    if (response.bytes.byteLength > 0) {
      download.chunks.push(response.bytes.slice());
      download.position += response.bytes.byteLength;
    }
    if (download.position >= response.sizeBytes) {
      this.snapshotDownload = null;
      this.installSnapshot({ id: download.id, data: concatChunks(download.chunks, download.position) });
    } else if (response.bytes.byteLength === 0) {
      this.snapshotDownload = null;
      return this.retryFetchLater();
    }
    this.sendFetch();
  }

  private installSnapshot(snapshot: Snapshot): void {
    if (snapshot.id.endOffset <= this.appliedOffset) return;
    this.log.installSnapshot(snapshot);
    this.flushedEndOffset = snapshot.id.endOffset;
    this.truncatedDuringFlush = Math.min(this.truncatedDuringFlush, snapshot.id.endOffset);
    this.highWatermark = Math.max(this.highWatermark, snapshot.id.endOffset);
    this.appliedOffset = snapshot.id.endOffset;
    this.pendingSnapshotLoad = snapshot;
  }

  // ---------------------------------------------------------------- sending

  private send(to: NodeId, body: RaftRequest): number {
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) % 0x7fffffff;
    this.outbox.push({ from: this.config.nodeId, to, correlationId, body });
    return correlationId;
  }

  private reply(request: RaftMessage, body: RaftBody): void {
    this.outbox.push({ from: this.config.nodeId, to: request.from, correlationId: request.correlationId, body });
  }
}

function messageLeaderId(body: RaftBody): NodeId | null {
  switch (body.type) {
    case "BeginQuorumEpochRequest":
    case "EndQuorumEpochRequest":
      return body.leaderId;
    case "VoteRequest":
    case "FetchRequest":
    case "FetchSnapshotRequest":
      return null;
    default:
      return body.leaderId;
  }
}

function concatChunks(chunks: readonly Uint8Array[], totalBytes: number): Uint8Array {
  const out = new Uint8Array(totalBytes);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
