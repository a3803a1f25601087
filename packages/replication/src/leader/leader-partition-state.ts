import { strict as assert } from "node:assert";
import type { NodeId, PartitionAssignment, ReplicaLog } from "../types.js";
import { FollowerProgress } from "./follower-progress.js";
import { maximalIsr, type IsrProposal, type IsrState } from "./isr-state.js";

export interface LeaderPartitionStateOptions {
  readonly localBrokerId: NodeId;
  readonly assignment: PartitionAssignment;
  /** The log end offset when this broker became leader in this epoch. */
  readonly leaderEpochStartOffset: number;
  readonly nowMs: number;
  readonly replicaLagTimeMaxMs: number;
  readonly minInsyncReplicas: number;
}

/**
 * The leader's side of one partition: follower progress from Fetch requests,
 * the high watermark, and ISR shrink/expand decisions. Pure and synchronous:
 * the caller sends the proposals (AlterPartition) and feeds back the
 * controller's answers, so every rule here is testable with a manual clock.
 *
 * Rules (Kafka's, with one stricter choice):
 * - HW = min log end offset over the maximal ISR, never moving backwards.
 * - HW does not advance while the committed ISR is smaller than
 *   min.insync.replicas (capped at the replica count, so a topic with fewer
 *   replicas than its min.insync.replicas stays readable for acks=1). Kafka
 *   lets it advance; we do not, so no record becomes visible to consumers
 *   before it is on min.insync.replicas brokers.
 * - A follower joins when its log end reaches the HW and the start of this
 *   leader epoch, and its broker is eligible (unfenced, not shutting down).
 * - A follower leaves when it has not been caught up for replica.lag.time.max.ms.
 * - One change in flight at a time; applied only once the controller commits it.
 */
export class LeaderPartitionState {
  readonly localBrokerId: NodeId;
  private replicasValue: readonly NodeId[];
  private isrState: IsrState;
  private leaderEpochValue: number;
  private partitionEpochValue: number;
  private readonly followers = new Map<NodeId, FollowerProgress>();
  readonly leaderEpochStartOffset: number;
  minInsyncReplicas: number;
  replicaLagTimeMaxMs: number;

  constructor(
    readonly log: ReplicaLog,
    options: LeaderPartitionStateOptions,
  ) {
    const { assignment } = options;
    assert.equal(assignment.leader, options.localBrokerId, "LeaderPartitionState for a partition this broker does not lead");
    this.localBrokerId = options.localBrokerId;
    this.replicasValue = assignment.replicas;
    this.isrState = { kind: "committed", isr: assignment.isr };
    this.leaderEpochValue = assignment.leaderEpoch;
    this.partitionEpochValue = assignment.partitionEpoch;
    this.leaderEpochStartOffset = options.leaderEpochStartOffset;
    this.minInsyncReplicas = options.minInsyncReplicas;
    this.replicaLagTimeMaxMs = options.replicaLagTimeMaxMs;
    // ISR members get a fresh lag allowance from the start of the epoch, as in Kafka.
    for (const id of assignment.replicas) {
      if (id === this.localBrokerId) continue;
      this.followers.set(id, new FollowerProgress(assignment.isr.includes(id) ? options.nowMs : -1));
    }
  }

  get leaderEpoch(): number {
    return this.leaderEpochValue;
  }
  get partitionEpoch(): number {
    return this.partitionEpochValue;
  }
  get replicas(): readonly NodeId[] {
    return this.replicasValue;
  }
  /** The ISR the controller committed. */
  get isr(): readonly NodeId[] {
    return this.isrState.isr;
  }
  get maximalIsr(): readonly NodeId[] {
    return maximalIsr(this.isrState);
  }
  get state(): IsrState {
    return this.isrState;
  }
  get hasPendingIsrChange(): boolean {
    return this.isrState.kind !== "committed";
  }
  get highWatermark(): number {
    return this.log.highWatermark;
  }
  /** min.insync.replicas as it applies to this partition's high watermark. */
  private get effectiveMinIsr(): number {
    return Math.min(this.minInsyncReplicas, this.replicasValue.length);
  }
  get isUnderMinIsr(): boolean {
    return this.isr.length < this.minInsyncReplicas;
  }
  get isUnderReplicated(): boolean {
    return this.isr.length < this.replicasValue.length;
  }

  followerLogEndOffset(id: NodeId): number {
    return this.followers.get(id)?.logEndOffset ?? -1;
  }

  /** How far each follower is behind the leader's log end (unknown followers count from offset 0). */
  followerLags(): Map<NodeId, number> {
    const end = this.log.logEndOffset;
    const lags = new Map<NodeId, number>();
    for (const [id, f] of this.followers) lags.set(id, Math.max(0, end - Math.max(f.logEndOffset, 0)));
    return lags;
  }

  isReplica(id: NodeId): boolean {
    return this.replicasValue.includes(id);
  }

  followerLogStartOffset(id: NodeId): number {
    return this.followers.get(id)?.logStartOffset ?? -1;
  }

  /**
   * A follower fetched from `fetchOffset` while the leader's log ended at
   * `leaderLogEndOffset`; its log started at `followerLogStartOffset` (-1: not sent).
   */
  recordFollowerFetch(replicaId: NodeId, fetchOffset: number, leaderLogEndOffset: number, nowMs: number, followerLogStartOffset = -1): void {
    const follower = this.followers.get(replicaId);
    assert.ok(follower !== undefined, `broker ${replicaId} is not a follower of this partition`);
    follower.recordFetch(fetchOffset, leaderLogEndOffset, nowMs, followerLogStartOffset);
  }

  /**
   * DeleteRecords' low watermark (Kafka's `lowWatermarkIfLeader`): the
   * smallest log start offset over this replica and every follower whose
   * broker is alive. A live follower that has not fetched in this leader
   * epoch counts as -1, so a deletion is confirmed only by replicas that
   * reported a log start at or past it; a dead broker's replica does not
   * hold it up (it restarts from the leader's log start when it returns).
   */
  lowWatermark(isAlive: (id: NodeId) => boolean): number {
    let low = this.log.logStartOffset;
    for (const [id, f] of this.followers) {
      if (f.logStartOffset < low && isAlive(id)) low = f.logStartOffset;
    }
    return low;
  }

  /** Advances the HW if the maximal ISR allows it; returns whether it moved. */
  maybeAdvanceHighWatermark(): boolean {
    if (this.isr.length < this.effectiveMinIsr) return false;
    let candidate = this.log.logEndOffset;
    for (const id of this.maximalIsr) {
      if (id === this.localBrokerId) continue;
      const end = this.followers.get(id)?.logEndOffset ?? -1;
      if (end < 0) return false;
      candidate = Math.min(candidate, end);
    }
    const before = this.log.highWatermark;
    if (candidate <= before) return false;
    this.log.highWatermark = candidate;
    return this.log.highWatermark > before;
  }

  /** A follower outside the maximal ISR that may join now, if any (at most one change in flight). */
  expandCandidate(isEligible: (id: NodeId) => boolean): NodeId | undefined {
    if (this.hasPendingIsrChange) return undefined;
    const hw = this.log.highWatermark;
    for (const [id, f] of this.followers) {
      if (this.maximalIsr.includes(id)) continue;
      if (f.logEndOffset >= hw && f.logEndOffset >= this.leaderEpochStartOffset && isEligible(id)) return id;
    }
    return undefined;
  }

  /** ISR members that have not been caught up for replica.lag.time.max.ms. */
  shrinkCandidates(nowMs: number): NodeId[] {
    if (this.hasPendingIsrChange) return [];
    const leaderEnd = this.log.logEndOffset;
    const out: NodeId[] = [];
    for (const id of this.isr) {
      if (id === this.localBrokerId) continue;
      const f = this.followers.get(id);
      if (!f) continue;
      if (f.logEndOffset !== leaderEnd && nowMs - f.lastCaughtUpTimeMs > this.replicaLagTimeMaxMs) out.push(id);
    }
    return out;
  }

  prepareExpand(id: NodeId): IsrProposal {
    assert.ok(!this.hasPendingIsrChange && this.followers.has(id) && !this.isr.includes(id), "invalid ISR expansion");
    const proposedIsr = [...this.isr, id];
    this.isrState = { kind: "pending-expand", isr: this.isr, adding: id, proposedIsr };
    return { kind: "expand", newIsr: proposedIsr, leaderEpoch: this.leaderEpochValue, partitionEpoch: this.partitionEpochValue };
  }

  prepareShrink(ids: readonly NodeId[]): IsrProposal {
    assert.ok(!this.hasPendingIsrChange && ids.length > 0 && !ids.includes(this.localBrokerId), "invalid ISR shrink");
    const proposedIsr = this.isr.filter((id) => !ids.includes(id));
    this.isrState = { kind: "pending-shrink", isr: this.isr, removing: ids, proposedIsr };
    return { kind: "shrink", newIsr: proposedIsr, leaderEpoch: this.leaderEpochValue, partitionEpoch: this.partitionEpochValue };
  }

  /**
   * The controller committed a partition state for our proposal. Returns
   * false (and changes nothing) when it belongs to another leader epoch.
   */
  applyCommittedIsr(partition: PartitionAssignment): boolean {
    if (partition.leaderEpoch !== this.leaderEpochValue || partition.leader !== this.localBrokerId) return false;
    if (partition.partitionEpoch < this.partitionEpochValue) return false;
    this.isrState = { kind: "committed", isr: partition.isr };
    this.partitionEpochValue = partition.partitionEpoch;
    this.setReplicas(partition.replicas);
    return true;
  }

  /** The proposal failed without a committed result: forget it, a later check proposes again. */
  abortPendingIsrChange(): void {
    this.isrState = { kind: "committed", isr: this.isrState.isr };
  }

  /**
   * New committed metadata for the same leader epoch (our own AlterPartition
   * replayed, or a reassignment). Older partition epochs are ignored.
   */
  updateAssignment(assignment: PartitionAssignment, nowMs: number): void {
    assert.equal(assignment.leaderEpoch, this.leaderEpochValue, "updateAssignment across leader epochs");
    // A newer partition epoch supersedes any proposal in flight (the controller
    // changed the ISR itself, e.g. when fencing a broker, or committed ours).
    if (assignment.partitionEpoch <= this.partitionEpochValue) return;
    this.isrState = { kind: "committed", isr: assignment.isr };
    this.partitionEpochValue = assignment.partitionEpoch;
    this.setReplicas(assignment.replicas, nowMs);
  }

  private setReplicas(replicas: readonly NodeId[], nowMs = -1): void {
    this.replicasValue = replicas;
    for (const id of replicas) {
      if (id !== this.localBrokerId && !this.followers.has(id)) this.followers.set(id, new FollowerProgress(nowMs));
    }
    for (const id of [...this.followers.keys()]) if (!replicas.includes(id)) this.followers.delete(id);
  }
}
