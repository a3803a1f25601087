import { ErrorCode } from "@samsa/protocol";
import type { Logger } from "pino";
import { ClassicGroup, GROUP_STATES, type GroupState, type JoinOutcome, type SyncOutcome } from "./classic-group.js";
import type { GroupCoordinatorConfig } from "./group-config.js";
import { GroupLoader } from "./group-loader.js";
import { GroupMembership, type JoinRequest, type MemberIdentity, type SyncRequest } from "./group-membership.js";
import { GroupOffsets, type OffsetCommitRequestData, type PartitionErrors } from "./group-offsets.js";
import { offsetsPartitionFor } from "./group-placement.js";
import type { GroupRuntime } from "./group-runtime.js";
import type { OffsetsLog, OffsetsRecord } from "./offsets-log.js";
import { encodeGroupMetadataKey, encodeGroupMetadataValue, encodeOffsetCommitKey, type GroupMetadataValue } from "./offsets-topic-records.js";
import { systemScheduler, type Scheduler } from "./scheduler.js";
import { isSubscribed, subscribedTopics } from "./subscribed-topics.js";

export interface GroupCoordinatorOptions {
  config: GroupCoordinatorConfig;
  log: OffsetsLog;
  logger: Logger;
  scheduler?: Scheduler;
  /** Whether a topic partition exists (commits for others are refused). */
  partitionExists(topic: string, partition: number): boolean;
}

type PartitionStatus = "loading" | "loaded" | "failed";

export interface GroupSummary {
  groupId: string;
  protocolType: string;
  state: GroupState;
}

export interface GroupDescription {
  groupId: string;
  state: GroupState;
  protocolType: string;
  protocolData: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; metadata: Buffer; assignment: Buffer }>;
}

const EMPTY_BYTES = Buffer.alloc(0);

/**
 * The classic group coordinator of this broker: owns the groups whose
 * `__consumer_offsets` partitions it leads (single node: all of them),
 * loads them from the log, and serves the group APIs. A request for a
 * group whose partition is still loading gets COORDINATOR_LOAD_IN_PROGRESS;
 * after close() everything gets NOT_COORDINATOR.
 */
export class GroupCoordinator {
  private readonly groups = new Map<string, ClassicGroup>();
  private readonly partitionStatus = new Map<number, PartitionStatus>();
  private readonly scheduler: Scheduler;
  private readonly membership: GroupMembership;
  private readonly offsets: GroupOffsets;
  private readonly config: GroupCoordinatorConfig;
  private readonly log: OffsetsLog;
  private readonly logger: Logger;
  private closed = false;
  private loading: Promise<void> = Promise.resolve();
  private cancelRetentionCheck: (() => void) | undefined;

  constructor(options: GroupCoordinatorOptions) {
    this.config = options.config;
    this.log = options.log;
    this.logger = options.logger;
    this.scheduler = options.scheduler ?? systemScheduler;
    const runtime: GroupRuntime = {
      config: this.config,
      scheduler: this.scheduler,
      logger: this.logger,
      group: (id) => this.groups.get(id),
      getOrCreateGroup: (id) => this.getOrCreateGroup(id),
      dropGroup: (g) => this.dropGroup(g),
      storeGroup: (g) => this.storeGroup(g),
    };
    this.membership = new GroupMembership(runtime);
    this.offsets = new GroupOffsets(runtime, this.membership, (g, records) => this.append(g.groupId, records), options.partitionExists);
  }

  /** Loads existing groups in the background and starts the offset retention check. */
  start(): void {
    const count = this.log.partitionCount();
    if (count !== null) {
      for (let p = 0; p < count; p++) this.partitionStatus.set(p, "loading");
      this.loading = this.loadPartitions(count);
    }
    this.scheduleRetentionCheck();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelRetentionCheck?.();
    for (const group of this.groups.values()) this.membership.shutdownGroup(group, ErrorCode.NOT_COORDINATOR);
    await this.loading;
  }

  private async loadPartitions(count: number): Promise<void> {
    const startedAt = Date.now();
    let loadedGroups = 0;
    for (let p = 0; p < count && !this.closed; p++) {
      const loader = new GroupLoader(this.scheduler.now());
      try {
        await this.log.replay(p, (record) => loader.replay(record));
      } catch (err) {
        this.logger.error({ err, partition: p }, "loading groups from __consumer_offsets failed");
        this.partitionStatus.set(p, "failed");
        continue;
      }
      if (loader.skippedRecords > 0) this.logger.warn({ partition: p, skipped: loader.skippedRecords }, "skipped unreadable __consumer_offsets records");
      for (const group of loader.groups.values()) {
        this.groups.set(group.groupId, group);
        this.membership.restoreSessions(group);
        loadedGroups++;
      }
      this.partitionStatus.set(p, "loaded");
    }
    this.logger.info({ groups: loadedGroups, partitions: count, ms: Date.now() - startedAt }, "loaded consumer groups");
  }

  partitionFor(groupId: string): number {
    return offsetsPartitionFor(groupId, this.log.partitionCount() ?? this.config.offsetsPartitionCount);
  }

  /** Makes sure `__consumer_offsets` exists (FindCoordinator creates it on first use). */
  async ensureOffsetsTopic(): Promise<number> {
    if (this.closed) return ErrorCode.NOT_COORDINATOR;
    if (this.log.partitionCount() === null) {
      try {
        await this.log.create();
      } catch (err) {
        this.logger.warn({ err }, "creating __consumer_offsets failed");
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      }
    }
    const count = this.log.partitionCount();
    if (count === null) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    for (let p = 0; p < count; p++) if (!this.partitionStatus.has(p)) this.partitionStatus.set(p, "loaded");
    return ErrorCode.NONE;
  }

  /** The error every request about `groupId` gets before any group logic runs, or NONE. */
  async groupError(groupId: string): Promise<number> {
    if (groupId === "") return ErrorCode.INVALID_GROUP_ID;
    const topicError = await this.ensureOffsetsTopic();
    if (topicError !== ErrorCode.NONE) return topicError;
    if (this.closed) return ErrorCode.NOT_COORDINATOR;
    switch (this.partitionStatus.get(this.partitionFor(groupId))) {
      case "loaded":
        return ErrorCode.NONE;
      case "loading":
        return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
      default:
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  // ---- group protocol --------------------------------------------------

  /**
   * Runs `body` for a request about `groupId` once the group is servable,
   * checking for close() in the same tick as `body` starts so nothing is
   * registered with a coordinator that already stopped.
   */
  private async serve<T>(groupId: string, onError: (errorCode: number) => T, body: () => T | Promise<T>): Promise<T> {
    const errorCode = await this.groupError(groupId);
    if (errorCode !== ErrorCode.NONE) return onError(errorCode);
    if (this.closed) return onError(ErrorCode.NOT_COORDINATOR);
    return body();
  }

  join(req: JoinRequest): Promise<JoinOutcome> {
    return this.serve(
      req.groupId,
      (errorCode) => ({ errorCode, generationId: -1, protocolType: null, protocolName: null, leaderId: "", memberId: req.memberId, members: [] }),
      () => this.membership.join(req),
    );
  }

  sync(req: SyncRequest): Promise<SyncOutcome> {
    return this.serve(
      req.groupId,
      (errorCode) => ({ errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES }),
      () => this.membership.sync(req),
    );
  }

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): Promise<number> {
    return this.serve(groupId, (errorCode) => errorCode, () => this.membership.heartbeat(groupId, memberId, groupInstanceId, generationId));
  }

  /** Top-level error, or per-member errors in request order. */
  leave(groupId: string, members: readonly MemberIdentity[]): Promise<{ errorCode: number; memberErrors: number[] }> {
    return this.serve<{ errorCode: number; memberErrors: number[] }>(
      groupId,
      (errorCode) => ({ errorCode, memberErrors: [] }),
      () => ({ errorCode: ErrorCode.NONE, memberErrors: this.membership.leave(groupId, members) }),
    );
  }

  // ---- offsets ---------------------------------------------------------

  commitOffsets(req: OffsetCommitRequestData): Promise<PartitionErrors> {
    return this.serve(
      req.groupId,
      (errorCode) => req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
      () => this.offsets.commit(req),
    );
  }

  fetchOffsets(groupId: string, topics: ReadonlyArray<{ name: string; partitionIndexes: readonly number[] }> | null) {
    return this.serve(
      groupId,
      (errorCode) => ({ errorCode, topics: [] as ReturnType<GroupOffsets["fetch"]> }),
      () => ({ errorCode: ErrorCode.NONE as number, topics: this.offsets.fetch(groupId, topics) }),
    );
  }

  deleteOffsets(
    groupId: string,
    topics: ReadonlyArray<{ name: string; partitions: ReadonlyArray<{ partitionIndex: number }> }>,
  ): Promise<{ errorCode: number; topics: PartitionErrors }> {
    return this.serve(groupId, (errorCode) => ({ errorCode, topics: [] }), () => this.deleteOffsetsOf(groupId, topics));
  }

  private async deleteOffsetsOf(
    groupId: string,
    topics: ReadonlyArray<{ name: string; partitions: ReadonlyArray<{ partitionIndex: number }> }>,
  ): Promise<{ errorCode: number; topics: PartitionErrors }> {
    const group = this.groups.get(groupId);
    if (!group || group.is("Dead")) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
    if (!group.is("Empty") && group.protocolType !== "consumer") return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    const subscribed = subscribedTopics(group);
    const refused = new Set(topics.filter((t) => isSubscribed(subscribed, t.name)).map((t) => t.name));
    try {
      return { errorCode: ErrorCode.NONE, topics: await this.offsets.deleteOffsets(group, topics, refused) };
    } catch (err) {
      this.logger.warn({ err, group: groupId }, "deleting offsets failed");
      return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] };
    }
  }

  // ---- administration --------------------------------------------------

  /** Groups of loaded partitions (ListGroups answers per coordinator). */
  listGroups(): GroupSummary[] {
    const out: GroupSummary[] = [];
    for (const g of this.groups.values()) {
      if (g.is("Dead")) continue;
      out.push({ groupId: g.groupId, protocolType: g.protocolType ?? "", state: g.state });
    }
    return out;
  }

  /** Members' metadata and assignments are shown only while Stable, as Kafka does. */
  describeGroup(groupId: string): GroupDescription {
    const g = this.groups.get(groupId);
    if (!g) return { groupId, state: "Dead", protocolType: "", protocolData: "", members: [] };
    const stable = g.is("Stable") && g.protocolName !== null;
    return {
      groupId,
      state: g.state,
      protocolType: g.protocolType ?? "",
      protocolData: stable ? g.protocolName! : "",
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? m.metadataFor(g.protocolName!) : EMPTY_BYTES,
        assignment: stable ? m.assignment : EMPTY_BYTES,
      })),
    };
  }

  deleteGroup(groupId: string): Promise<number> {
    return this.serve(groupId, (errorCode) => errorCode, () => this.deleteEmptyGroup(groupId));
  }

  private async deleteEmptyGroup(groupId: string): Promise<number> {
    const group = this.groups.get(groupId);
    if (!group || group.is("Dead")) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (!group.is("Empty") || group.pendingMembers.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    const records: OffsetsRecord[] = [...group.allOffsets()].map(({ topic, partition }) => ({ key: encodeOffsetCommitKey(groupId, topic, partition), value: null }));
    records.push({ key: encodeGroupMetadataKey(groupId), value: null });
    try {
      await this.append(groupId, records);
    } catch (err) {
      this.logger.warn({ err, group: groupId }, "deleting group failed");
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    if (this.groups.get(groupId) === group && group.is("Empty")) {
      group.transitionTo("Dead", this.scheduler.now());
      this.dropGroup(group);
      this.logger.info({ group: groupId }, "deleted group");
    }
    return ErrorCode.NONE;
  }

  /** A snapshot for metrics: state counts and committed offsets. */
  *allGroups(): Iterable<ClassicGroup> {
    yield* this.groups.values();
  }

  groupCountsByState(): Record<GroupState, number> {
    const counts = Object.fromEntries(GROUP_STATES.map((s) => [s, 0])) as Record<GroupState, number>;
    for (const g of this.groups.values()) counts[g.state]++;
    return counts;
  }

  // ---- persistence and retention ---------------------------------------

  private getOrCreateGroup(groupId: string): ClassicGroup {
    let g = this.groups.get(groupId);
    if (!g) {
      g = new ClassicGroup(groupId, this.scheduler.now());
      this.groups.set(groupId, g);
    }
    return g;
  }

  private dropGroup(group: ClassicGroup): void {
    this.membership.shutdownGroup(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (this.groups.get(group.groupId) === group) this.groups.delete(group.groupId);
  }

  private append(groupId: string, records: readonly OffsetsRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(Object.assign(new Error("the group coordinator is closed"), { errorCode: ErrorCode.NOT_COORDINATOR }));
    return this.log.append(this.partitionFor(groupId), records, this.scheduler.now());
  }

  private storeGroup(group: ClassicGroup): Promise<void> {
    const protocol = group.protocolName;
    const value: GroupMetadataValue = {
      protocolType: group.protocolType ?? "",
      generation: group.generationId,
      protocol,
      leader: protocol === null ? null : group.leaderId,
      currentStateTimestamp: group.stateTimestampMs,
      members:
        protocol === null
          ? []
          : [...group.members.values()].map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              clientId: m.clientId,
              clientHost: m.clientHost,
              rebalanceTimeoutMs: m.rebalanceTimeoutMs,
              sessionTimeoutMs: m.sessionTimeoutMs,
              subscription: m.metadataFor(protocol),
              assignment: m.assignment,
            })),
    };
    return this.append(group.groupId, [{ key: encodeGroupMetadataKey(group.groupId), value: encodeGroupMetadataValue(value) }]);
  }

  private scheduleRetentionCheck(): void {
    if (this.closed) return;
    this.cancelRetentionCheck = this.scheduler.schedule(this.config.retentionCheckIntervalMs, () => {
      this.expireOffsets().then(
        () => this.scheduleRetentionCheck(),
        (err: unknown) => {
          this.logger.warn({ err }, "expiring offsets failed");
          this.scheduleRetentionCheck();
        },
      );
    });
  }

  /** One retention pass: tombstones expired offsets, then removes empty groups left with none. */
  async expireOffsets(): Promise<number> {
    let expired = 0;
    const now = this.scheduler.now();
    for (const group of [...this.groups.values()]) {
      if (this.closed) break;
      if (this.partitionStatus.get(this.partitionFor(group.groupId)) !== "loaded") continue;
      const doomed = this.offsets.expiredOffsets(group, now);
      const removeGroup = group.is("Empty") && group.pendingMembers.size === 0 && group.offsetCount === doomed.length;
      if (doomed.length === 0 && !removeGroup) continue;
      const records: OffsetsRecord[] = doomed.map(({ topic, partition }) => ({ key: encodeOffsetCommitKey(group.groupId, topic, partition), value: null }));
      if (removeGroup) records.push({ key: encodeGroupMetadataKey(group.groupId), value: null });
      await this.append(group.groupId, records);
      for (const { topic, partition } of doomed) group.deleteOffset(topic, partition);
      expired += doomed.length;
      if (removeGroup && group.is("Empty") && group.offsetCount === 0 && group.members.size === 0) {
        group.transitionTo("Dead", now);
        this.dropGroup(group);
      }
    }
    if (expired > 0) this.logger.info({ offsets: expired }, "expired committed offsets");
    return expired;
  }
}
