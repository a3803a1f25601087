import { randomBytes } from "node:crypto";
import type { MetadataImage } from "../metadata/image.js";
import { encodeMetadataRecord } from "../metadata/codec.js";
import type { MetadataRecord } from "../metadata/records.js";
import type { ProposeResult, RaftStatus, ReplicaState } from "../raft/core.js";
import type { NodeId } from "../raft/types.js";
import type { ControllerApi, CreateTopicsRequest, ElectLeadersRequest, QuorumDescription, QuorumReplicaDescription } from "../service/controller-api.js";
import {
  allocateProducerIds,
  alterConfigs,
  alterPartition,
  brokerHeartbeat,
  createPartitions,
  createTopics,
  deleteTopics,
  electLeaderlessPartitions,
  electLeaders,
  fenceExpiredBrokers,
  registerBroker,
  replaceConfigs,
  type AllocateProducerIdsResponse,
  type AlterConfigsResource,
  type AlterPartitionRequest,
  type AlterPartitionResponse,
  type BrokerHeartbeatRequest,
  type BrokerHeartbeatResponse,
  type CreateTopicResult,
  type ElectLeadersResult,
  type RegisterBrokerRequest,
  type RegisterBrokerResponse,
  type TopicErrorResult,
} from "./controller.js";
import { KafkaErrorCode } from "./errors.js";
import {
  alterPartitionReassignments,
  listPartitionReassignments,
  type AlterPartitionReassignmentsRequest,
  type ListPartitionReassignmentsRequest,
  type OngoingReassignment,
  type ReassignmentTopicResult,
} from "./reassignment.js";
import { BrokerHeartbeatTracker, DEFAULT_BROKER_SESSION_TIMEOUT_MS } from "./heartbeats.js";
import { NotControllerError } from "./not-controller-error.js";
import type { ControllerResult } from "./result.js";

export const DEFAULT_LEADER_IMBALANCE_CHECK_INTERVAL_MS = 300_000;

/** The slice of the Raft node the controller needs. */
export interface ControllerRaft {
  status(): RaftStatus;
  propose(payloads: readonly Uint8Array[]): ProposeResult;
  /** The leader's view of the replicas, for DescribeQuorum (absent: only the leader itself is described). */
  replicaStates?(): ReplicaState[];
}

export interface QuorumControllerOptions {
  readonly nodeId: NodeId;
  readonly clusterId: string;
  readonly raft: ControllerRaft;
  /** The committed image and the offset after the last applied entry (the state machine's view). */
  readonly committed: () => { readonly image: MetadataImage; readonly appliedOffset: number };
  readonly nowMs?: () => number;
  /** broker.session.timeout.ms */
  readonly sessionTimeoutMs?: number;
  /** leader.imbalance.check.interval.seconds, in ms; 0 disables the preferred-leader election. */
  readonly leaderImbalanceCheckIntervalMs?: number;
  /** num.partitions */
  readonly defaultPartitions?: number;
  /** default.replication.factor */
  readonly defaultReplicationFactor?: number;
  readonly newTopicId?: () => string;
  readonly onError?: (error: Error) => void;
}

interface PendingWrite {
  /** Offset of the last entry this write proposed (or waits for). */
  readonly lastOffset: number;
  /** The image with this and every earlier pending write applied. */
  readonly image: MetadataImage;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** Kafka topic ids: 16 random bytes, base64url without padding (22 characters). */
export function newKafkaTopicId(): string {
  return randomBytes(16).toString("base64url");
}

/**
 * The active controller (KRaft's QuorumController): runs on the Raft leader once the
 * leader has applied its own leader-change entry (so its image holds everything
 * committed before its epoch). Each request is computed against the committed image
 * plus every proposal still in flight, so two quick createTopics of one name conflict;
 * its records are proposed and it is answered only after they commit. Losing
 * leadership fails every waiting request with NOT_CONTROLLER. Followers replay the
 * same records into their own image, and a new active controller starts from it.
 *
 * Periodic work (`tick`): fence brokers whose session expired and move their
 * leaderships to ISR members, elect leaders for leaderless partitions, and run the
 * preferred-leader election every leader.imbalance.check.interval.
 */
export class QuorumController implements ControllerApi {
  private readonly nowMs: () => number;
  private readonly sessionTimeoutMs: number;
  private readonly imbalanceIntervalMs: number;
  private activeEpoch: number | null = null;
  private pending: PendingWrite[] = [];
  private heartbeats: BrokerHeartbeatTracker;
  private lastImbalanceCheckMs = 0;
  private ticking = false;

  constructor(private readonly options: QuorumControllerOptions) {
    this.nowMs = options.nowMs ?? Date.now;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_BROKER_SESSION_TIMEOUT_MS;
    this.imbalanceIntervalMs = options.leaderImbalanceCheckIntervalMs ?? DEFAULT_LEADER_IMBALANCE_CHECK_INTERVAL_MS;
    this.heartbeats = new BrokerHeartbeatTracker(this.sessionTimeoutMs);
  }

  /** True while this node is the active controller. */
  isActive(): boolean {
    this.checkLeadership();
    return this.activeEpoch !== null;
  }

  /** The leader this node knows (itself when active), for NOT_CONTROLLER answers. */
  knownLeader(): NodeId | null {
    return this.options.raft.status().leaderId;
  }

  /** Call after committed entries were applied to the image: answers the writes they complete. */
  onCommitted(): void {
    this.checkLeadership();
    const { appliedOffset } = this.options.committed();
    while (this.pending.length > 0 && this.pending[0]!.lastOffset < appliedOffset) this.pending.shift()!.resolve();
  }

  /** Periodic work at `nowMs`; call every few hundred ms (also detects leadership changes). */
  tick(): void {
    this.checkLeadership();
    if (this.activeEpoch === null || this.ticking) return;
    this.ticking = true;
    try {
      const now = this.nowMs();
      const background = (what: string, compute: (image: MetadataImage) => ControllerResult<unknown>) =>
        this.write(compute).catch((error: Error) => {
          if (!(error instanceof NotControllerError)) this.options.onError?.(new Error(`controller ${what} failed: ${error.message}`));
        });
      const image = this.speculativeImage();
      const expired = this.heartbeats.expired(now).filter((id) => image.isUnfenced(id));
      for (const id of this.heartbeats.expired(now)) if (!image.isUnfenced(id)) this.heartbeats.forget(id);
      if (expired.length > 0) {
        for (const id of expired) this.heartbeats.forget(id);
        void background("session expiry", (current) => fenceExpiredBrokers(current, expired));
      }
      void background("leaderless election", (current) => electLeaderlessPartitions(current));
      if (this.imbalanceIntervalMs > 0 && now - this.lastImbalanceCheckMs >= this.imbalanceIntervalMs) {
        this.lastImbalanceCheckMs = now;
        void background("preferred leader election", (current) => electLeaders(current, "preferred", "all"));
      }
    } finally {
      this.ticking = false;
    }
  }

  // ---------------------------------------------------------------- requests

  registerBroker(request: RegisterBrokerRequest): Promise<RegisterBrokerResponse> {
    const now = this.nowMs();
    return this.write((image) => {
      const result = registerBroker(image, request, { clusterId: this.options.clusterId, isAlive: (id) => this.heartbeats.isAlive(id, now) });
      if (result.response.errorCode === KafkaErrorCode.NONE) this.heartbeats.touch(request.brokerId, now);
      return result;
    });
  }

  brokerHeartbeat(request: BrokerHeartbeatRequest): Promise<BrokerHeartbeatResponse> {
    const now = this.nowMs();
    return this.write((image) => {
      const broker = image.brokers.get(request.brokerId);
      if (broker && broker.epoch === request.brokerEpoch) {
        if (request.wantShutDown) this.heartbeats.forget(request.brokerId);
        else this.heartbeats.touch(request.brokerId, now);
      }
      return brokerHeartbeat(image, request);
    });
  }

  createTopics(request: CreateTopicsRequest): Promise<CreateTopicResult[]> {
    return this.write((image) =>
      createTopics(image, request.topics, {
        defaultPartitions: this.options.defaultPartitions ?? 1,
        defaultReplicationFactor: this.options.defaultReplicationFactor ?? 1,
        newTopicId: this.options.newTopicId ?? newKafkaTopicId,
        validateOnly: request.validateOnly ?? false,
      }),
    );
  }

  deleteTopics(request: { readonly names: readonly string[] }): Promise<TopicErrorResult[]> {
    return this.write((image) => deleteTopics(image, request.names));
  }

  createPartitions(request: { readonly topics: readonly { name: string; count: number }[] }): Promise<TopicErrorResult[]> {
    return this.write((image) => createPartitions(image, request.topics));
  }

  alterConfigs(request: { readonly resources: readonly AlterConfigsResource[] }): Promise<TopicErrorResult[]> {
    return this.write((image) => replaceConfigs(image, request.resources));
  }

  incrementalAlterConfigs(request: { readonly resources: readonly AlterConfigsResource[] }): Promise<TopicErrorResult[]> {
    return this.write((image) => alterConfigs(image, request.resources));
  }

  alterPartition(request: AlterPartitionRequest): Promise<AlterPartitionResponse> {
    return this.write((image) => alterPartition(image, request));
  }

  electLeaders(request: ElectLeadersRequest): Promise<ElectLeadersResult[]> {
    return this.write((image) => electLeaders(image, request.type, request.partitions));
  }

  alterPartitionReassignments(request: AlterPartitionReassignmentsRequest): Promise<ReassignmentTopicResult[]> {
    return this.write((image) => alterPartitionReassignments(image, request));
  }

  listPartitionReassignments(request: ListPartitionReassignmentsRequest): Promise<OngoingReassignment[]> {
    // Read through write() so the answer includes every change this controller already accepted.
    return this.write((image) => ({ records: [], response: listPartitionReassignments(image, request) }));
  }

  allocateProducerIds(request: { readonly brokerId: NodeId; readonly brokerEpoch: number }): Promise<AllocateProducerIdsResponse> {
    return this.write((image) => allocateProducerIds(image, request));
  }

  describeQuorum(_request: Readonly<Record<string, never>> = {}): Promise<QuorumDescription> {
    this.checkLeadership();
    if (this.activeEpoch === null) return Promise.reject(new NotControllerError(this.knownLeader(), `node ${this.options.nodeId} is not the active controller`));
    const status = this.options.raft.status();
    const states = this.options.raft.replicaStates?.() ?? [{ nodeId: this.options.nodeId, isVoter: true, logEndOffset: status.logEndOffset, lastFetchMs: this.nowMs(), lastCaughtUpMs: this.nowMs() }];
    const describe = (r: ReplicaState): QuorumReplicaDescription => ({ replicaId: r.nodeId, logEndOffset: r.logEndOffset, lastFetchTimestamp: r.lastFetchMs, lastCaughtUpTimestamp: r.lastCaughtUpMs });
    return Promise.resolve({
      leaderId: this.options.nodeId,
      leaderEpoch: status.epoch,
      highWatermark: status.highWatermark,
      voters: states.filter((r) => r.isVoter).map(describe),
      observers: states.filter((r) => !r.isVoter).map(describe),
    });
  }

  /** Fails every waiting request (shutdown). */
  close(): void {
    this.deactivate("controller closed");
  }

  // ---------------------------------------------------------------- internals

  private speculativeImage(): MetadataImage {
    return this.pending[this.pending.length - 1]?.image ?? this.options.committed().image;
  }

  /**
   * Computes `compute` against the speculative image, proposes its records and
   * resolves with its response once they (and every earlier write) are committed.
   */
  private write<T>(compute: (image: MetadataImage) => ControllerResult<T>): Promise<T> {
    this.checkLeadership();
    if (this.activeEpoch === null) return Promise.reject(new NotControllerError(this.knownLeader(), `node ${this.options.nodeId} is not the active controller`));
    const base = this.speculativeImage();
    let result: ControllerResult<T>;
    try {
      result = compute(base);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    let lastOffset: number;
    let image = base;
    if (result.records.length === 0) {
      // Nothing to write, but the answer must not overtake earlier writes it may have read.
      const last = this.pending[this.pending.length - 1];
      if (!last) return Promise.resolve(result.response);
      lastOffset = last.lastOffset;
    } else {
      const proposed = this.options.raft.propose(result.records.map((r: MetadataRecord) => encodeMetadataRecord(r)));
      if (!proposed.ok) {
        this.deactivate(`proposal refused: not the Raft leader of epoch ${proposed.epoch}`);
        return Promise.reject(new NotControllerError(proposed.leaderId, "lost leadership"));
      }
      lastOffset = proposed.lastOffset;
      image = base.replayAll(result.records, proposed.firstOffset);
    }
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ lastOffset, image, resolve: () => resolve(result.response), reject });
    });
  }

  private checkLeadership(): void {
    const status = this.options.raft.status();
    const leading = status.role === "leader" && status.epochStartOffset !== null;
    if (this.activeEpoch !== null && (!leading || status.epoch !== this.activeEpoch)) {
      this.deactivate(`Raft leadership of epoch ${this.activeEpoch} lost`);
    }
    if (leading && this.activeEpoch === null && this.options.committed().appliedOffset > status.epochStartOffset!) this.activate(status.epoch);
  }

  private activate(epoch: number): void {
    this.activeEpoch = epoch;
    const now = this.nowMs();
    // Sessions are in memory only: every live broker gets a fresh one from the new controller.
    this.heartbeats = new BrokerHeartbeatTracker(this.sessionTimeoutMs);
    for (const broker of this.options.committed().image.unfencedBrokers()) this.heartbeats.touch(broker.id, now);
    this.lastImbalanceCheckMs = now;
  }

  private deactivate(reason: string): void {
    this.activeEpoch = null;
    const failed = this.pending;
    this.pending = [];
    for (const write of failed) write.reject(new NotControllerError(this.knownLeader(), reason));
  }
}
