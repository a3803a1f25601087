import { strict as assert } from "node:assert";
import { ErrorCode, errorCodeName } from "@samsa/protocol";
import { NotEnoughReplicasAfterAppendError, NotEnoughReplicasError, NotLeaderOrFollowerError } from "./errors.js";
import { DEFAULT_MAX_DELAYED_DELETE_RECORDS, DelayedDeleteRecordsPurgatory } from "./leader/delayed-delete-records.js";
import { DelayedProducePurgatory } from "./leader/delayed-produce.js";
import { checkFetchPartition, type FetchPartitionCheck, type FetchPartitionRequest } from "./leader/fetch-validation.js";
import type { IsrProposal } from "./leader/isr-state.js";
import { LeaderPartitionState } from "./leader/leader-partition-state.js";
import type { FetchTransportFactory } from "./follower/fetch-transport.js";
import { fetcherIdFor } from "./follower/fetcher-id.js";
import { FollowerPartitionState } from "./follower/follower-partition-state.js";
import { DEFAULT_REPLICA_FETCHER_CONFIG, ReplicaFetcher, type ReplicaFetcherConfig } from "./follower/replica-fetcher.js";
import { realScheduler, type Scheduler } from "./scheduler.js";
import {
  NO_LEADER,
  partitionKey,
  type AlterPartitionSender,
  type Clock,
  type NodeId,
  type PartitionAssignment,
  type PartitionId,
  type ReplicaLog,
  type ReplicationLogger,
} from "./types.js";

export interface ReplicaManagerConfig {
  /** replica.lag.time.max.ms */
  readonly replicaLagTimeMaxMs: number;
  /** How often leaders look for ISR members to drop (Kafka: half of replica.lag.time.max.ms). */
  readonly isrCheckIntervalMs: number;
  /** Pause before proposing an ISR change again after the controller refused or was unreachable. */
  readonly isrChangeRetryBackoffMs: number;
  readonly maxDelayedProduces: number;
  readonly maxDelayedDeleteRecords: number;
  /** num.replica.fetchers: fetchers (connections) per source broker; partitions are hashed onto them as Kafka does. */
  readonly numReplicaFetchers: number;
  readonly fetcher: ReplicaFetcherConfig;
}

export const DEFAULT_REPLICA_MANAGER_CONFIG: ReplicaManagerConfig = {
  replicaLagTimeMaxMs: 30_000,
  isrCheckIntervalMs: 15_000,
  isrChangeRetryBackoffMs: 500,
  maxDelayedProduces: 100_000,
  maxDelayedDeleteRecords: DEFAULT_MAX_DELAYED_DELETE_RECORDS,
  numReplicaFetchers: 1,
  fetcher: DEFAULT_REPLICA_FETCHER_CONFIG,
};

export interface ReplicaManagerOptions {
  readonly localBrokerId: NodeId;
  /** This broker's current registration epoch (AlterPartition carries it). */
  readonly brokerEpoch: () => number;
  readonly controller: AlterPartitionSender;
  readonly transportFactory: FetchTransportFactory;
  /** Unfenced and not shutting down in the committed metadata: may join an ISR (KIP-841). */
  readonly isBrokerEligible: (id: NodeId) => boolean;
  /**
   * Registered and unfenced (Kafka's `hasAliveBroker`): only such replicas
   * hold up DeleteRecords' low watermark. Defaults to `isBrokerEligible`.
   */
  readonly isBrokerAlive?: (id: NodeId) => boolean;
  readonly minInsyncReplicas: (topic: string) => number;
  readonly clock: Clock;
  readonly logger: ReplicationLogger;
  readonly config?: Partial<ReplicaManagerConfig>;
  readonly scheduler?: Scheduler;
  /** The HW of a partition this broker leads moved (wake consumer fetches). */
  readonly onHighWatermark?: (key: string, highWatermark: number) => void;
  /** A follower appended or truncated (wake nothing on the hot path; metrics, tests). */
  readonly onFollowerProgress?: (key: string) => void;
}

interface LeaderEntry {
  readonly role: "leader";
  readonly id: PartitionId;
  readonly state: LeaderPartitionState;
  nextProposalAtMs: number;
  proposalInFlight: boolean;
}

interface FollowerEntry {
  readonly role: "follower";
  readonly id: PartitionId;
  readonly log: ReplicaLog;
  readonly leaderId: NodeId;
  readonly leaderEpoch: number;
  readonly state: FollowerPartitionState | undefined;
}

type Entry = LeaderEntry | FollowerEntry;

/** Counters and gauges under the names Kafka's ReplicaManager exposes (see the broker glue for the Prometheus names). */
export interface ReplicationStats {
  leaderCount: number;
  followerCount: number;
  underReplicatedPartitions: number;
  underMinIsrPartitions: number;
  atMinIsrPartitions: number;
  isrShrinks: number;
  isrExpands: number;
  failedIsrUpdates: number;
  delayedProduces: number;
  delayedDeleteRecords: number;
  fetcherCount: number;
  /** Leader-side lag of each follower, by partition key. */
  followerLags: Map<string, Map<NodeId, number>>;
}

/**
 * The replication facade a broker drives from metadata changes:
 * `becomeLeader` / `becomeFollower` / `stopReplica` per partition, the
 * leader-side hooks for Produce (acks checks, acks=all waits) and follower
 * Fetch requests, and one ReplicaFetcher per source broker.
 */
export class ReplicaManager {
  private readonly entries = new Map<string, Entry>();
  /** By source broker and fetcher id (`${leader}:${fetcherId}`). */
  private readonly fetchers = new Map<string, ReplicaFetcher>();
  readonly purgatory: DelayedProducePurgatory;
  readonly deleteRecordsPurgatory: DelayedDeleteRecordsPurgatory;
  private readonly config: ReplicaManagerConfig;
  private readonly scheduler: Scheduler;
  private isrTimer: unknown;
  private closed = false;
  private isrShrinks = 0;
  private isrExpands = 0;
  private failedIsrUpdates = 0;
  /** Role changes of one partition run one after another. */
  private readonly transitions = new Map<string, Promise<void>>();

  constructor(private readonly options: ReplicaManagerOptions) {
    this.config = { ...DEFAULT_REPLICA_MANAGER_CONFIG, ...options.config };
    this.scheduler = options.scheduler ?? realScheduler;
    this.purgatory = new DelayedProducePurgatory({ scheduler: this.scheduler, maxDelayedProduces: this.config.maxDelayedProduces });
    this.deleteRecordsPurgatory = new DelayedDeleteRecordsPurgatory({ scheduler: this.scheduler, maxDelayedDeleteRecords: this.config.maxDelayedDeleteRecords });
    assert.ok(Number.isInteger(this.config.numReplicaFetchers) && this.config.numReplicaFetchers >= 1, "numReplicaFetchers must be a positive integer");
  }

  get localBrokerId(): NodeId {
    return this.options.localBrokerId;
  }

  /** Starts the periodic ISR shrink check. */
  start(): void {
    const schedule = (): void => {
      this.isrTimer = this.scheduler.setTimeout(() => {
        if (this.closed) return;
        this.checkIsrShrinks();
        schedule();
      }, this.config.isrCheckIntervalMs);
    };
    schedule();
  }

  // ------------------------------------------------------------------ role changes

  /** This broker leads `id` in `assignment.leaderEpoch`. Idempotent for the same epoch (ISR updates). */
  becomeLeader(id: PartitionId, log: ReplicaLog, assignment: PartitionAssignment): Promise<void> {
    assert.equal(assignment.leader, this.localBrokerId, "becomeLeader for another leader");
    return this.serialize(partitionKey(id.topic, id.partition), async (key) => {
      const current = this.entries.get(key);
      if (current?.role === "leader" && current.state.log === log && current.state.leaderEpoch === assignment.leaderEpoch) {
        const isrBefore = current.state.isr;
        current.state.updateAssignment(assignment, this.options.clock.nowMs());
        this.afterIsrChange(current, isrBefore);
        return;
      }
      if (current?.role === "leader" && current.state.leaderEpoch > assignment.leaderEpoch) return;
      if (current?.role === "follower") await this.detachFollower(current);
      // New epoch from the current log end: followers' divergence checks find it there.
      await log.assignEpoch(assignment.leaderEpoch, log.logEndOffset);
      const now = this.options.clock.nowMs();
      const state = new LeaderPartitionState(log, {
        localBrokerId: this.localBrokerId,
        assignment,
        leaderEpochStartOffset: log.logEndOffset,
        nowMs: now,
        replicaLagTimeMaxMs: this.config.replicaLagTimeMaxMs,
        minInsyncReplicas: this.options.minInsyncReplicas(id.topic),
      });
      const entry: LeaderEntry = { role: "leader", id, state, nextProposalAtMs: 0, proposalInFlight: false };
      this.entries.set(key, entry);
      this.options.logger.info({ partition: key, leaderEpoch: assignment.leaderEpoch, isr: assignment.isr, logEndOffset: log.logEndOffset }, "became leader");
      this.maybeAdvanceHighWatermark(entry);
    });
  }

  /** This broker follows `assignment.leader` (or waits, when the partition has no leader). */
  becomeFollower(id: PartitionId, log: ReplicaLog, assignment: PartitionAssignment): Promise<void> {
    assert.notEqual(assignment.leader, this.localBrokerId, "becomeFollower of ourselves");
    return this.serialize(partitionKey(id.topic, id.partition), async (key) => {
      const current = this.entries.get(key);
      if (current?.role === "follower" && current.log === log && current.leaderId === assignment.leader && current.leaderEpoch === assignment.leaderEpoch) {
        return;
      }
      if (current?.role === "leader") {
        this.entries.delete(key);
        this.failLeaderWaits(key, `${key}: leadership moved to broker ${assignment.leader}`);
      } else if (current?.role === "follower") {
        await this.detachFollower(current);
      }
      let state: FollowerPartitionState | undefined;
      if (assignment.leader !== NO_LEADER) {
        state = new FollowerPartitionState(id, log, assignment.leader, assignment.leaderEpoch);
        this.fetcherFor(assignment.leader, id).addPartition(state);
      }
      this.entries.set(key, { role: "follower", id, log, leaderId: assignment.leader, leaderEpoch: assignment.leaderEpoch, state });
      this.options.logger.info({ partition: key, leader: assignment.leader, leaderEpoch: assignment.leaderEpoch, logEndOffset: log.logEndOffset }, "became follower");
    });
  }

  /** The partition left this broker (deleted or reassigned away); resolves once nothing touches its log. */
  stopReplica(topic: string, partition: number): Promise<void> {
    return this.serialize(partitionKey(topic, partition), async (key) => {
      const current = this.entries.get(key);
      if (!current) return;
      this.entries.delete(key);
      if (current.role === "leader") this.failLeaderWaits(key, `${key} is no longer hosted here`);
      else await this.detachFollower(current);
    });
  }

  isLeader(topic: string, partition: number): boolean {
    return this.entries.get(partitionKey(topic, partition))?.role === "leader";
  }

  leaderState(topic: string, partition: number): LeaderPartitionState | undefined {
    const e = this.entries.get(partitionKey(topic, partition));
    return e?.role === "leader" ? e.state : undefined;
  }

  followerState(topic: string, partition: number): FollowerPartitionState | undefined {
    const e = this.entries.get(partitionKey(topic, partition));
    return e?.role === "follower" ? e.state : undefined;
  }

  // ------------------------------------------------------------------ produce

  /**
   * Before appending a produce: NOT_LEADER_OR_FOLLOWER unless we lead, and
   * NOT_ENOUGH_REPLICAS for acks=all while the ISR is below min.insync.replicas.
   */
  checkProduce(topic: string, partition: number, acks: number): void {
    const entry = this.entries.get(partitionKey(topic, partition));
    if (entry?.role !== "leader") throw new NotLeaderOrFollowerError(`broker ${this.localBrokerId} does not lead ${partitionKey(topic, partition)}`);
    const minIsr = this.options.minInsyncReplicas(topic);
    if (acks === -1 && entry.state.isr.length < minIsr) {
      throw new NotEnoughReplicasError(`${entry.state.isr.length} in-sync replicas [${entry.state.isr.join(",")}], min.insync.replicas is ${minIsr}`);
    }
  }

  /** The leader appended to its log: with a one-member ISR that alone may move the HW. */
  leaderAppended(topic: string, partition: number): void {
    const entry = this.entries.get(partitionKey(topic, partition));
    if (entry?.role === "leader") this.maybeAdvanceHighWatermark(entry);
  }

  /** acks=all: resolves once the HW passes `lastOffset`; rejects with the Kafka error otherwise. */
  waitForReplication(topic: string, partition: number, lastOffset: number, timeoutMs: number): Promise<void> {
    const key = partitionKey(topic, partition);
    const entry = this.entries.get(key);
    if (entry?.role !== "leader") return Promise.reject(new NotLeaderOrFollowerError(`${key}: leadership moved while the produce was appended`));
    if (entry.state.highWatermark > lastOffset) return Promise.resolve();
    const minIsr = this.options.minInsyncReplicas(topic);
    if (entry.state.isr.length < minIsr) {
      return Promise.reject(new NotEnoughReplicasAfterAppendError(`${key}: ISR [${entry.state.isr.join(",")}] shrank below min.insync.replicas ${minIsr}`));
    }
    return this.purgatory.wait(key, lastOffset + 1, timeoutMs);
  }

  // ------------------------------------------------------------------ delete records

  /**
   * DeleteRecords' low watermark of a partition this broker leads: the
   * smallest log start over this replica and the live followers (see
   * `LeaderPartitionState.lowWatermark`).
   */
  lowWatermark(topic: string, partition: number): number {
    const key = partitionKey(topic, partition);
    const entry = this.entries.get(key);
    if (entry?.role !== "leader") throw new NotLeaderOrFollowerError(`broker ${this.localBrokerId} does not lead ${key}`);
    return entry.state.lowWatermark(this.isBrokerAlive);
  }

  /**
   * DeleteRecords after the leader moved its log start to `requiredOffset`:
   * resolves with the low watermark once every live replica reported a log
   * start at or past it (Kafka's DelayedDeleteRecords). Rejects with
   * NOT_LEADER_OR_FOLLOWER if leadership moves meanwhile, REQUEST_TIMED_OUT
   * after `timeoutMs`.
   */
  waitForLowWatermark(topic: string, partition: number, requiredOffset: number, timeoutMs: number): Promise<number> {
    const key = partitionKey(topic, partition);
    const entry = this.entries.get(key);
    if (entry?.role !== "leader") return Promise.reject(new NotLeaderOrFollowerError(`${key}: leadership moved while the records were deleted`));
    const low = entry.state.lowWatermark(this.isBrokerAlive);
    if (low >= requiredOffset) return Promise.resolve(low);
    return this.deleteRecordsPurgatory.wait(key, requiredOffset, timeoutMs);
  }

  private get isBrokerAlive(): (id: NodeId) => boolean {
    return this.options.isBrokerAlive ?? this.options.isBrokerEligible;
  }

  private maybeCompleteDeleteRecords(entry: LeaderEntry): void {
    const key = partitionKey(entry.id.topic, entry.id.partition);
    if (!this.deleteRecordsPurgatory.hasWaiters(key)) return;
    this.deleteRecordsPurgatory.lowWatermarkAdvanced(key, entry.state.lowWatermark(this.isBrokerAlive));
  }

  private failLeaderWaits(key: string, reason: string): void {
    this.purgatory.failAll(key, () => new NotLeaderOrFollowerError(reason));
    this.deleteRecordsPurgatory.failAll(key, () => new NotLeaderOrFollowerError(reason));
  }

  // ------------------------------------------------------------------ follower fetches (leader side)

  /** Checks one partition of a follower's Fetch (replicaId ≥ 0) before it is read. */
  checkFollowerFetch(topic: string, partition: number, replicaId: NodeId, request: FetchPartitionRequest): FetchPartitionCheck {
    const entry = this.entries.get(partitionKey(topic, partition));
    if (entry?.role !== "leader") {
      const epoch = request.currentLeaderEpoch;
      // A follower ahead of our metadata gets UNKNOWN_LEADER_EPOCH, as Kafka answers it.
      if (entry?.role === "follower" && epoch > entry.leaderEpoch) return { kind: "error", errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH };
      return { kind: "error", errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    }
    if (!entry.state.isReplica(replicaId) || replicaId === this.localBrokerId) return { kind: "error", errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    const check = checkFetchPartition(entry.state.log, entry.state.leaderEpoch, request);
    if (check.kind === "diverging" && check.epoch < 0) {
      // An all-default EpochEndOffset would be dropped as a tagged field; send the log start so it arrives.
      return { kind: "diverging", epoch: -1, endOffset: entry.state.log.logStartOffset };
    }
    return check;
  }

  /**
   * A follower fetched from `fetchOffset` (the read happened while our log
   * ended at `leaderLogEndOffset`) with its log starting at
   * `followerLogStartOffset` (-1: not sent). Updates its progress, the HW
   * (completing acks=all waits), the low watermark (completing DeleteRecords
   * waits) and proposes adding it to the ISR when it caught up.
   */
  recordFollowerFetch(topic: string, partition: number, replicaId: NodeId, fetchOffset: number, leaderLogEndOffset: number, followerLogStartOffset = -1): void {
    const entry = this.entries.get(partitionKey(topic, partition));
    if (entry?.role !== "leader" || !entry.state.isReplica(replicaId) || replicaId === this.localBrokerId) return;
    entry.state.recordFollowerFetch(replicaId, fetchOffset, leaderLogEndOffset, this.options.clock.nowMs(), followerLogStartOffset);
    this.maybeAdvanceHighWatermark(entry);
    this.maybeCompleteDeleteRecords(entry);
    this.maybeExpandIsr(entry);
  }

  // ------------------------------------------------------------------ ISR changes

  /** One pass of the ISR shrink check (also run by the timer started with `start`). */
  checkIsrShrinks(): void {
    const now = this.options.clock.nowMs();
    for (const entry of this.entries.values()) {
      if (entry.role !== "leader") continue;
      entry.state.minInsyncReplicas = this.options.minInsyncReplicas(entry.id.topic);
      if (entry.proposalInFlight || now < entry.nextProposalAtMs) continue;
      const outOfSync = entry.state.shrinkCandidates(now);
      if (outOfSync.length === 0) continue;
      this.options.logger.info({ partition: partitionKey(entry.id.topic, entry.id.partition), outOfSync, isr: entry.state.isr }, "shrinking the ISR");
      this.propose(entry, entry.state.prepareShrink(outOfSync));
    }
  }

  private maybeExpandIsr(entry: LeaderEntry): void {
    if (entry.proposalInFlight || this.options.clock.nowMs() < entry.nextProposalAtMs) return;
    const candidate = entry.state.expandCandidate(this.options.isBrokerEligible);
    if (candidate === undefined) return;
    this.options.logger.info({ partition: partitionKey(entry.id.topic, entry.id.partition), adding: candidate, isr: entry.state.isr }, "expanding the ISR");
    this.propose(entry, entry.state.prepareExpand(candidate));
  }

  private propose(entry: LeaderEntry, proposal: IsrProposal): void {
    const key = partitionKey(entry.id.topic, entry.id.partition);
    entry.proposalInFlight = true;
    const isrBefore = entry.state.isr;
    const request = {
      brokerId: this.localBrokerId,
      brokerEpoch: this.options.brokerEpoch(),
      topicId: entry.id.topicId,
      partitionId: entry.id.partition,
      leaderEpoch: proposal.leaderEpoch,
      partitionEpoch: proposal.partitionEpoch,
      newIsr: proposal.newIsr,
    };
    const finish = (): boolean => {
      entry.proposalInFlight = false;
      // The entry was replaced (new epoch, role change) meanwhile: the answer is stale.
      return this.entries.get(key) === entry;
    };
    this.options.controller.alterPartition(request).then(
      (response) => {
        if (!finish()) return;
        if (response.errorCode === ErrorCode.NONE && response.partition && entry.state.applyCommittedIsr(response.partition)) {
          this.afterIsrChange(entry, isrBefore);
          return;
        }
        this.failedIsrUpdates += 1;
        entry.state.abortPendingIsrChange();
        entry.nextProposalAtMs = this.options.clock.nowMs() + this.config.isrChangeRetryBackoffMs;
        this.options.logger.warn({ partition: key, error: errorCodeName(response.errorCode), proposal }, "AlterPartition refused");
      },
      (err: unknown) => {
        if (!finish()) return;
        this.failedIsrUpdates += 1;
        entry.state.abortPendingIsrChange();
        entry.nextProposalAtMs = this.options.clock.nowMs() + this.config.isrChangeRetryBackoffMs;
        this.options.logger.warn({ partition: key, err: String(err), proposal }, "AlterPartition failed");
      },
    );
  }

  /** After a committed ISR change: count it, fail acks=all waits that can no longer succeed, maybe move the HW. */
  private afterIsrChange(entry: LeaderEntry, isrBefore: readonly NodeId[]): void {
    const key = partitionKey(entry.id.topic, entry.id.partition);
    const isr = entry.state.isr;
    if (isr.some((id) => !isrBefore.includes(id))) this.isrExpands += 1;
    if (isrBefore.some((id) => !isr.includes(id))) this.isrShrinks += 1;
    const minIsr = this.options.minInsyncReplicas(entry.id.topic);
    entry.state.minInsyncReplicas = minIsr;
    if (isr.length < minIsr) {
      this.purgatory.failAll(key, () => new NotEnoughReplicasAfterAppendError(`${key}: ISR [${isr.join(",")}] is below min.insync.replicas ${minIsr}`));
    }
    this.maybeAdvanceHighWatermark(entry);
    // A replica that left the assignment no longer holds the low watermark back.
    this.maybeCompleteDeleteRecords(entry);
  }

  private maybeAdvanceHighWatermark(entry: LeaderEntry): void {
    if (!entry.state.maybeAdvanceHighWatermark()) return;
    const key = partitionKey(entry.id.topic, entry.id.partition);
    const hw = entry.state.highWatermark;
    this.purgatory.highWatermarkAdvanced(key, hw);
    this.options.onHighWatermark?.(key, hw);
  }

  // ------------------------------------------------------------------ fetchers

  private fetcherKey(leaderId: NodeId, id: PartitionId): string {
    return `${leaderId}:${fetcherIdFor(id.topic, id.partition, this.config.numReplicaFetchers)}`;
  }

  private fetcherFor(leaderId: NodeId, id: PartitionId): ReplicaFetcher {
    const fetcherKey = this.fetcherKey(leaderId, id);
    let fetcher = this.fetchers.get(fetcherKey);
    if (!fetcher) {
      fetcher = new ReplicaFetcher({
        sourceBrokerId: leaderId,
        localBrokerId: this.localBrokerId,
        transportFactory: this.options.transportFactory,
        clock: this.options.clock,
        logger: this.options.logger,
        config: this.config.fetcher,
        onProgress: (state) => this.options.onFollowerProgress?.(state.key),
      });
      this.fetchers.set(fetcherKey, fetcher);
      fetcher.start();
    }
    return fetcher;
  }

  private async detachFollower(entry: FollowerEntry): Promise<void> {
    if (!entry.state) return;
    const fetcherKey = this.fetcherKey(entry.leaderId, entry.id);
    const fetcher = this.fetchers.get(fetcherKey);
    if (!fetcher) return;
    await fetcher.removePartition(entry.state.key);
    if (fetcher.partitionCount === 0 && this.fetchers.get(fetcherKey) === fetcher) {
      this.fetchers.delete(fetcherKey);
      await fetcher.close();
    }
  }

  private serialize(key: string, step: (key: string) => Promise<void>): Promise<void> {
    const previous = this.transitions.get(key) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => (this.closed ? undefined : step(key)));
    this.transitions.set(key, next);
    void next.finally(() => {
      if (this.transitions.get(key) === next) this.transitions.delete(key);
    }).catch(() => {});
    return next;
  }

  // ------------------------------------------------------------------ metrics and shutdown

  stats(): ReplicationStats {
    const stats: ReplicationStats = {
      leaderCount: 0,
      followerCount: 0,
      underReplicatedPartitions: 0,
      underMinIsrPartitions: 0,
      atMinIsrPartitions: 0,
      isrShrinks: this.isrShrinks,
      isrExpands: this.isrExpands,
      failedIsrUpdates: this.failedIsrUpdates,
      delayedProduces: this.purgatory.size,
      delayedDeleteRecords: this.deleteRecordsPurgatory.size,
      fetcherCount: this.fetchers.size,
      followerLags: new Map(),
    };
    for (const [key, entry] of this.entries) {
      if (entry.role === "follower") {
        stats.followerCount += 1;
        continue;
      }
      stats.leaderCount += 1;
      const s = entry.state;
      const minIsr = this.options.minInsyncReplicas(entry.id.topic);
      if (s.isUnderReplicated) stats.underReplicatedPartitions += 1;
      if (s.isr.length < minIsr) stats.underMinIsrPartitions += 1;
      if (s.isr.length === minIsr) stats.atMinIsrPartitions += 1;
      stats.followerLags.set(key, s.followerLags());
    }
    return stats;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.scheduler.clearTimeout(this.isrTimer);
    this.purgatory.close(() => new NotLeaderOrFollowerError("broker shutting down"));
    this.deleteRecordsPurgatory.close(() => new NotLeaderOrFollowerError("broker shutting down"));
    await Promise.all([...this.transitions.values()].map((p) => p.catch(() => {})));
    const fetchers = [...this.fetchers.values()];
    this.fetchers.clear();
    await Promise.all(fetchers.map((f) => f.close()));
    this.entries.clear();
  }
}
