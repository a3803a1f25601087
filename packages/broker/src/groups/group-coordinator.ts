import { ErrorCode } from "@samsa/protocol";
import type { Logger } from "pino";
import { ClassicGroup, GROUP_STATES, type GroupState, type JoinOutcome, type SyncOutcome } from "./classic-group.js";
import type { GroupCoordinatorConfig } from "./group-config.js";
import { GroupLoader } from "./group-loader.js";
import { GroupMembership, type JoinRequest, type MemberIdentity, type SyncRequest } from "./group-membership.js";
import { GroupOffsets, type OffsetCommitRequestData, type PartitionErrors } from "./group-offsets.js";
import { offsetsPartitionFor } from "./group-placement.js";
import { GroupCoordinatorError, type GroupRuntime } from "./group-runtime.js";
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

/** One `__consumer_offsets` partition this broker leads. */
interface LedPartition {
  readonly leaderEpoch: number;
  status: PartitionStatus;
  /** Settles when the load ended (loaded, failed or abandoned). */
  loaded: Promise<void>;
}

/** How long one wait for a new leader's log to be committed lasts before it is retried. */
const LOAD_COMMIT_WAIT_MS = 5_000;
/** Pause between such waits when the ISR is too small to commit anything. */
const LOAD_RETRY_BACKOFF_MS = 500;
/** Waits before a partition that never gets committed is marked failed (about ten minutes). */
const MAX_LOAD_ATTEMPTS = 120;
/** How long FindCoordinator waits for the groups of a just-created `__consumer_offsets` to load. */
const CREATED_TOPIC_LOAD_WAIT_MS = 5_000;

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
 * `__consumer_offsets` partitions it leads, and serves the group APIs for
 * them. It is told of leadership by `partitionLed` / `partitionNotLed`
 * (the broker's replica-role listener): on becoming leader it loads the
 * partition's committed records in the background (requests meanwhile get
 * COORDINATOR_LOAD_IN_PROGRESS); on losing it, it drops those groups
 * (waiting members get NOT_COORDINATOR). Groups of partitions it does not
 * lead, and everything after close(), get NOT_COORDINATOR.
 */
export class GroupCoordinator {
  private readonly groups = new Map<string, ClassicGroup>();
  private readonly led = new Map<number, LedPartition>();
  private readonly scheduler: Scheduler;
  private readonly membership: GroupMembership;
  private readonly offsets: GroupOffsets;
  private readonly config: GroupCoordinatorConfig;
  private readonly log: OffsetsLog;
  private readonly logger: Logger;
  private closed = false;
  /** Log reads of loads in progress: close() lets them finish before the logs close. */
  private readonly replays = new Set<Promise<void>>();
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

  /** Starts the offset retention check (loading follows leadership, see partitionLed). */
  start(): void {
    this.scheduleRetentionCheck();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelRetentionCheck?.();
    for (const group of this.groups.values()) this.membership.shutdownGroup(group, ErrorCode.NOT_COORDINATOR);
    await Promise.all(this.replays);
  }

  // ---- leadership of __consumer_offsets partitions -----------------------

  /**
   * This broker leads `partition` in `leaderEpoch`: loads its groups in the
   * background. The same epoch again (an ISR change) changes nothing; a new
   * epoch reloads, since another leader may have written meanwhile.
   */
  partitionLed(partition: number, leaderEpoch: number): void {
    if (this.closed) return;
    const current = this.led.get(partition);
    if (current?.leaderEpoch === leaderEpoch) return;
    if (current) this.unload(partition, "new leader epoch");
    const entry: LedPartition = { leaderEpoch, status: "loading", loaded: Promise.resolve() };
    this.led.set(partition, entry);
    entry.loaded = this.load(partition, entry);
  }

  /** Another broker (or none) leads `partition`, or its replica left: drops its groups. */
  partitionNotLed(partition: number): void {
    if (this.led.has(partition)) this.unload(partition, "leadership moved");
  }

  /** Whether this broker serves the groups of `partition` now (for tests and metrics). */
  partitionState(partition: number): PartitionStatus | "not-led" {
    return this.led.get(partition)?.status ?? "not-led";
  }

  private unload(partition: number, reason: string): void {
    this.led.delete(partition);
    let dropped = 0;
    for (const group of [...this.groups.values()]) {
      if (this.partitionFor(group.groupId) !== partition) continue;
      this.membership.shutdownGroup(group, ErrorCode.NOT_COORDINATOR);
      this.groups.delete(group.groupId);
      dropped++;
    }
    this.logger.info({ partition, groups: dropped, reason }, "unloaded consumer groups");
  }

  private async load(partition: number, entry: LedPartition): Promise<void> {
    const current = () => !this.closed && this.led.get(partition) === entry;
    const startedAt = Date.now();
    for (let attempt = 1; ; attempt++) {
      if (!current()) return;
      let committed = false;
      try {
        committed = await this.log.awaitCommitted(partition, LOAD_COMMIT_WAIT_MS);
      } catch (err) {
        // Leadership moved: the role listener drops this entry (or already did).
        if (current()) this.logger.warn({ err, partition }, "waiting for __consumer_offsets to be committed failed");
      }
      if (committed) break;
      if (attempt >= MAX_LOAD_ATTEMPTS) {
        if (current()) entry.status = "failed";
        this.logger.error({ partition, attempts: attempt }, "__consumer_offsets partition never got committed; its groups stay unavailable");
        return;
      }
      await new Promise<void>((resolve) => this.scheduler.schedule(LOAD_RETRY_BACKOFF_MS, resolve));
    }
    if (!current()) return;
    const loader = new GroupLoader(this.scheduler.now());
    const replay = this.log.replay(partition, (record) => loader.replay(record));
    this.replays.add(replay);
    try {
      await replay;
    } catch (err) {
      this.logger.error({ err, partition }, "loading groups from __consumer_offsets failed");
      if (current()) entry.status = "failed";
      return;
    } finally {
      this.replays.delete(replay);
    }
    if (!current()) return;
    if (loader.skippedRecords > 0) this.logger.warn({ partition, skipped: loader.skippedRecords }, "skipped unreadable __consumer_offsets records");
    for (const group of loader.groups.values()) {
      const stale = this.groups.get(group.groupId);
      if (stale) this.membership.shutdownGroup(stale, ErrorCode.NOT_COORDINATOR);
      this.groups.set(group.groupId, group);
      this.membership.restoreSessions(group);
    }
    entry.status = "loaded";
    this.logger.info({ partition, leaderEpoch: entry.leaderEpoch, groups: loader.groups.size, ms: Date.now() - startedAt }, "loaded consumer groups");
  }

  partitionFor(groupId: string): number {
    return offsetsPartitionFor(groupId, this.log.partitionCount() ?? this.config.offsetsPartitionCount);
  }

  /**
   * Makes sure `__consumer_offsets` exists (FindCoordinator creates it on first
   * use); after creating it, waits (bounded) for the partitions led here to load.
   */
  async ensureOffsetsTopic(): Promise<number> {
    if (this.closed) return ErrorCode.NOT_COORDINATOR;
    if (this.log.partitionCount() === null) {
      try {
        await this.log.create();
      } catch (err) {
        this.logger.warn({ err }, "creating __consumer_offsets failed");
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      }
      await this.settleLoads(CREATED_TOPIC_LOAD_WAIT_MS);
    }
    return this.log.partitionCount() === null ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NONE;
  }

  private async settleLoads(timeoutMs: number): Promise<void> {
    let cancel: (() => void) | undefined;
    const timeout = new Promise<void>((resolve) => (cancel = this.scheduler.schedule(timeoutMs, resolve)));
    await Promise.race([Promise.all([...this.led.values()].map((e) => e.loaded)), timeout]);
    cancel?.();
  }

  /** The error every request about `groupId` gets before any group logic runs, or NONE. */
  async groupError(groupId: string): Promise<number> {
    if (groupId === "") return ErrorCode.INVALID_GROUP_ID;
    const topicError = await this.ensureOffsetsTopic();
    if (topicError !== ErrorCode.NONE) return topicError;
    return this.partitionError(this.partitionFor(groupId));
  }

  private partitionError(partition: number): number {
    if (this.closed) return ErrorCode.NOT_COORDINATOR;
    switch (this.led.get(partition)?.status) {
      case "loaded":
        return ErrorCode.NONE;
      case "loading":
        return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
      case "failed":
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      default:
        return ErrorCode.NOT_COORDINATOR;
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
    const partition = this.partitionFor(groupId);
    const errorCode = this.partitionError(partition);
    if (errorCode !== ErrorCode.NONE) return Promise.reject(new GroupCoordinatorError(errorCode, `group ${groupId} is not served here now`));
    return this.log.append(partition, records, this.scheduler.now());
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
      if (this.partitionError(this.partitionFor(group.groupId)) !== ErrorCode.NONE) continue;
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
