import { randomUUID } from "node:crypto";
import { strict as assert } from "node:assert";
import { ErrorCode } from "@samsa/protocol";
import { GroupMember, type ClassicGroup, type JoinOutcome, type ProtocolMetadata, type SyncOutcome } from "./classic-group.js";
import type { GroupRuntime } from "./group-runtime.js";

export interface JoinRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: readonly ProtocolMetadata[];
  /** JoinGroup v4+: a new dynamic member must first ask for its member id. */
  requireKnownMemberId: boolean;
}

export interface SyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: ReadonlyArray<{ memberId: string; assignment: Buffer }>;
}

export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
}

const EMPTY_BYTES = Buffer.alloc(0);
/** JoinGroup v0 has no rebalance timeout: Kafka uses the session timeout. */
const NO_REBALANCE_TIMEOUT = -1;

function joinError(errorCode: number, memberId = ""): JoinOutcome {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leaderId: "", memberId, members: [] };
}

function syncError(errorCode: number): SyncOutcome {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

/**
 * The classic group protocol's membership rules (JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup, session expiry) and the timers they need. Follows
 * Kafka's classic coordinator so that client-side assignors, static
 * membership and generation fencing behave as against Kafka.
 */
export class GroupMembership {
  private readonly joinTimers = new Map<ClassicGroup, () => void>();
  private readonly sessionTimers = new Map<GroupMember, () => void>();
  private readonly pendingTimers = new Map<string, () => void>();
  /** Groups whose join phase is the initial delay (it never completes early). */
  private readonly inInitialDelay = new Set<ClassicGroup>();

  constructor(private readonly rt: GroupRuntime) {}

  private get now(): number {
    return this.rt.scheduler.now();
  }

  // ---- JoinGroup -------------------------------------------------------

  join(req: JoinRequest): Promise<JoinOutcome> {
    const { config } = this.rt;
    if (req.sessionTimeoutMs < config.minSessionTimeoutMs || req.sessionTimeoutMs > config.maxSessionTimeoutMs) {
      return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId));
    }
    const rebalanceTimeoutMs = req.rebalanceTimeoutMs === NO_REBALANCE_TIMEOUT ? req.sessionTimeoutMs : req.rebalanceTimeoutMs;
    const request = { ...req, rebalanceTimeoutMs };
    const isUnknownMember = req.memberId === "";
    let group = this.rt.group(req.groupId);
    if (!group) {
      if (!isUnknownMember) return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
      group = this.rt.getOrCreateGroup(req.groupId);
    }
    if (group.is("Dead")) return Promise.resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId));
    if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    }
    const isPending = !isUnknownMember && group.pendingMembers.has(req.memberId);
    const isNewMember = isUnknownMember || isPending;
    if (isNewMember && !this.isStaticRejoin(group, req) && group.members.size >= config.maxGroupSize) {
      return Promise.resolve(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, req.memberId));
    }
    if (isUnknownMember) return this.joinUnknownMember(group, request);
    if (isPending) {
      group.pendingMembers.delete(req.memberId);
      this.cancelPendingTimer(group, req.memberId);
      return this.addMemberAndRebalance(group, request, req.memberId);
    }
    return this.joinKnownMember(group, request);
  }

  private isStaticRejoin(group: ClassicGroup, req: JoinRequest): boolean {
    return req.groupInstanceId !== null && group.staticMembers.has(req.groupInstanceId);
  }

  private joinUnknownMember(group: ClassicGroup, req: JoinRequest): Promise<JoinOutcome> {
    if (req.groupInstanceId !== null) {
      const previous = group.staticMembers.get(req.groupInstanceId);
      const memberId = `${req.groupInstanceId}-${randomUUID()}`;
      if (previous !== undefined && group.is("Stable")) return this.replaceStaticMemberWhenStable(group, req, previous, memberId);
      if (previous !== undefined) {
        // A restarted static member takes over its instance id; the old member id is fenced from now on.
        this.removeMember(group, previous, ErrorCode.FENCED_INSTANCE_ID, "static member replaced", true);
      }
      return this.addMemberAndRebalance(group, req, memberId);
    }
    const memberId = `${req.clientId}-${randomUUID()}`;
    if (req.requireKnownMemberId) {
      // KIP-394: hand out the id first so a client that dies before its join completes leaves no member behind.
      const deadline = this.now + req.sessionTimeoutMs;
      group.pendingMembers.set(memberId, deadline);
      this.schedulePendingExpiry(group, memberId, req.sessionTimeoutMs);
      return Promise.resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
    }
    return this.addMemberAndRebalance(group, req, memberId);
  }

  /**
   * KIP-345: a static member that restarts while its group is Stable takes
   * over its instance id and its previous assignment without a rebalance, as
   * long as the group's protocol would stay the same; the old member id is
   * fenced. The new member id is stored before the answer, so a coordinator
   * failover keeps it.
   */
  private replaceStaticMemberWhenStable(group: ClassicGroup, req: JoinRequest, previousId: string, memberId: string): Promise<JoinOutcome> {
    const previous = group.members.get(previousId);
    assert.ok(previous !== undefined, `static member ${previousId} of group ${group.groupId} is not a member`);
    const wasLeader = group.leaderId === previousId;
    this.removeMemberQuietly(group, previous, ErrorCode.FENCED_INSTANCE_ID);
    const member = new GroupMember(memberId, req.groupInstanceId, req.clientId, req.clientHost, req.rebalanceTimeoutMs, req.sessionTimeoutMs, req.protocolType, req.protocols);
    member.assignment = previous.assignment;
    group.addMember(member);
    if (wasLeader) group.leaderId = memberId;
    if (group.protocolName === null || group.selectProtocol() !== group.protocolName) {
      member.isNew = true;
      const outcome = new Promise<JoinOutcome>((resolve) => {
        member.awaitingJoin = resolve;
      });
      this.prepareRebalance(group, `static member ${memberId} replaced ${previousId} with other protocols`);
      this.tryCompleteJoin(group);
      return outcome;
    }
    this.touchSession(group, member);
    this.rt.logger.info({ group: group.groupId, member: memberId, replaced: previousId }, "static member rejoined without a rebalance");
    const generation = group.generationId;
    return this.rt.storeGroup(group).then(
      () => this.currentGenerationOutcome(group, member),
      (err: unknown) => {
        this.rt.logger.warn({ err, group: group.groupId }, "storing a replaced static member failed; rebalancing");
        if (group.is("Stable") && group.generationId === generation) this.prepareRebalance(group, "storing a replaced static member failed");
        return joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, memberId);
      },
    );
  }

  private joinKnownMember(group: ClassicGroup, req: JoinRequest): Promise<JoinOutcome> {
    if (group.isFencedInstance(req.memberId, req.groupInstanceId)) return Promise.resolve(joinError(ErrorCode.FENCED_INSTANCE_ID, req.memberId));
    const member = group.members.get(req.memberId);
    if (!member) return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    switch (group.state) {
      case "PreparingRebalance":
        return this.updateMemberAndRebalance(group, member, req);
      case "CompletingRebalance":
        // The member lost its JoinGroup response: answer with the current generation unless its protocols changed.
        if (member.matches(req.protocols)) return Promise.resolve(this.currentGenerationOutcome(group, member));
        return this.updateMemberAndRebalance(group, member, req);
      case "Stable":
        if (group.leaderId === member.memberId || !member.matches(req.protocols)) return this.updateMemberAndRebalance(group, member, req);
        this.touchSession(group, member);
        return Promise.resolve(this.currentGenerationOutcome(group, member));
      default:
        return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    }
  }

  private addMemberAndRebalance(group: ClassicGroup, req: JoinRequest, memberId: string): Promise<JoinOutcome> {
    const member = new GroupMember(
      memberId,
      req.groupInstanceId,
      req.clientId,
      req.clientHost,
      req.rebalanceTimeoutMs,
      req.sessionTimeoutMs,
      req.protocolType,
      req.protocols,
    );
    member.isNew = true;
    group.addMember(member);
    if (this.inInitialDelay.has(group)) group.newMemberAdded = true;
    const outcome = new Promise<JoinOutcome>((resolve) => {
      member.awaitingJoin = resolve;
    });
    this.maybePrepareRebalance(group, `member ${memberId} joined`);
    this.tryCompleteJoin(group);
    return outcome;
  }

  private updateMemberAndRebalance(group: ClassicGroup, member: GroupMember, req: JoinRequest): Promise<JoinOutcome> {
    member.protocols = req.protocols;
    member.protocolType = req.protocolType;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    // A retried JoinGroup replaces the earlier one, whose connection is most likely gone.
    member.awaitingJoin?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    const outcome = new Promise<JoinOutcome>((resolve) => {
      member.awaitingJoin = resolve;
    });
    this.maybePrepareRebalance(group, `member ${member.memberId} rejoined`);
    this.tryCompleteJoin(group);
    return outcome;
  }

  private currentGenerationOutcome(group: ClassicGroup, member: GroupMember): JoinOutcome {
    const isLeader = group.leaderId === member.memberId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leaderId: group.leaderId ?? "",
      memberId: member.memberId,
      members: isLeader ? this.memberMetadata(group) : [],
    };
  }

  private memberMetadata(group: ClassicGroup): JoinOutcome["members"] {
    const protocol = group.protocolName;
    if (protocol === null) return [];
    return [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadataFor(protocol) }));
  }

  // ---- rebalance -------------------------------------------------------

  private maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.is("Stable") || group.is("CompletingRebalance") || group.is("Empty")) this.prepareRebalance(group, reason);
  }

  private prepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.is("CompletingRebalance")) {
      for (const m of group.members.values()) {
        m.assignment = EMPTY_BYTES;
        this.resolveSync(m, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      }
    }
    const initial = group.is("Empty");
    group.transitionTo("PreparingRebalance", this.now);
    this.rt.logger.info({ group: group.groupId, generation: group.generationId, reason }, "preparing to rebalance group");
    this.cancelJoinTimer(group);
    if (initial && this.rt.config.initialRebalanceDelayMs > 0) {
      group.newMemberAdded = false;
      this.inInitialDelay.add(group);
      const delay = this.rt.config.initialRebalanceDelayMs;
      this.scheduleInitialJoin(group, delay, Math.max(group.rebalanceTimeoutMs - delay, 0));
    } else {
      this.scheduleJoinTimeout(group);
    }
  }

  /**
   * group.initial.rebalance.delay.ms: a new group waits for more members
   * before its first generation, and waits again (within the rebalance
   * timeout) each time one arrives.
   */
  private scheduleInitialJoin(group: ClassicGroup, delayMs: number, remainingMs: number): void {
    const cancel = this.rt.scheduler.schedule(delayMs, () => {
      this.joinTimers.delete(group);
      if (!group.is("PreparingRebalance")) return;
      if (group.newMemberAdded && remainingMs > 0) {
        group.newMemberAdded = false;
        const next = Math.min(this.rt.config.initialRebalanceDelayMs, remainingMs);
        this.scheduleInitialJoin(group, next, Math.max(remainingMs - next, 0));
        return;
      }
      this.completeJoin(group);
    });
    this.joinTimers.set(group, cancel);
  }

  private scheduleJoinTimeout(group: ClassicGroup): void {
    const cancel = this.rt.scheduler.schedule(group.rebalanceTimeoutMs, () => {
      this.joinTimers.delete(group);
      if (group.is("PreparingRebalance")) this.completeJoin(group);
    });
    this.joinTimers.set(group, cancel);
  }

  private cancelJoinTimer(group: ClassicGroup): void {
    this.joinTimers.get(group)?.();
    this.joinTimers.delete(group);
    this.inInitialDelay.delete(group);
  }

  /** Completes the join phase early once everyone rejoined (never during the initial delay). */
  private tryCompleteJoin(group: ClassicGroup): void {
    if (!group.is("PreparingRebalance") || !group.allMembersJoined) return;
    if (this.inInitialDelay.has(group)) return;
    this.cancelJoinTimer(group);
    this.completeJoin(group);
  }

  private completeJoin(group: ClassicGroup): void {
    this.cancelJoinTimer(group);
    for (const m of [...group.members.values()]) {
      if (m.awaitingJoin === null) this.removeMemberQuietly(group, m, ErrorCode.UNKNOWN_MEMBER_ID);
    }
    group.generationId += 1;
    if (group.members.size === 0) {
      group.protocolName = null;
      group.transitionTo("Empty", this.now);
      this.rt.logger.info({ group: group.groupId, generation: group.generationId }, "group is empty");
      this.rt.storeGroup(group).catch((err: unknown) => this.rt.logger.warn({ err, group: group.groupId }, "storing the empty group failed"));
      return;
    }
    group.protocolName = group.selectProtocol();
    group.transitionTo("CompletingRebalance", this.now);
    this.rt.logger.info(
      { group: group.groupId, generation: group.generationId, protocol: group.protocolName, members: group.members.size },
      "group completed its join phase",
    );
    for (const m of group.members.values()) {
      m.isNew = false;
      const resolve = m.awaitingJoin!;
      m.awaitingJoin = null;
      resolve(this.currentGenerationOutcome(group, m));
      this.touchSession(group, m);
    }
  }

  // ---- SyncGroup -------------------------------------------------------

  sync(req: SyncRequest): Promise<SyncOutcome> {
    const group = this.rt.group(req.groupId);
    if (!group) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (group.is("Dead")) return Promise.resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (group.isFencedInstance(req.memberId, req.groupInstanceId)) return Promise.resolve(syncError(ErrorCode.FENCED_INSTANCE_ID));
    const member = group.members.get(req.memberId);
    if (!member) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (req.generationId !== group.generationId) return Promise.resolve(syncError(ErrorCode.ILLEGAL_GENERATION));
    if ((req.protocolType !== null && req.protocolType !== group.protocolType) || (req.protocolName !== null && req.protocolName !== group.protocolName)) {
      return Promise.resolve(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    switch (group.state) {
      case "PreparingRebalance":
        return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case "Stable":
        this.touchSession(group, member);
        return Promise.resolve(this.syncOutcome(group, member));
      case "CompletingRebalance":
        break;
      default:
        return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    }
    this.touchSession(group, member);
    member.awaitingSync?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    const outcome = new Promise<SyncOutcome>((resolve) => {
      member.awaitingSync = resolve;
    });
    if (group.leaderId === member.memberId) this.applyLeaderAssignment(group, req.assignments);
    return outcome;
  }

  private applyLeaderAssignment(group: ClassicGroup, assignments: SyncRequest["assignments"]): void {
    const byMember = new Map(assignments.map((a) => [a.memberId, a.assignment]));
    for (const m of group.members.values()) m.assignment = byMember.get(m.memberId) ?? EMPTY_BYTES;
    const generation = group.generationId;
    this.rt.storeGroup(group).then(
      () => {
        if (!group.is("CompletingRebalance") || group.generationId !== generation) return;
        group.transitionTo("Stable", this.now);
        this.rt.logger.info({ group: group.groupId, generation }, "group is stable");
        for (const m of group.members.values()) this.resolveSync(m, this.syncOutcome(group, m));
      },
      (err: unknown) => {
        this.rt.logger.warn({ err, group: group.groupId, generation }, "storing the group assignment failed; rebalancing");
        if (!group.is("CompletingRebalance") || group.generationId !== generation) return;
        for (const m of group.members.values()) {
          m.assignment = EMPTY_BYTES;
          this.resolveSync(m, syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
        }
        this.prepareRebalance(group, "storing the assignment failed");
      },
    );
  }

  private syncOutcome(group: ClassicGroup, member: GroupMember): SyncOutcome {
    return { errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment };
  }

  private resolveSync(member: GroupMember, outcome: SyncOutcome): void {
    const resolve = member.awaitingSync;
    member.awaitingSync = null;
    resolve?.(outcome);
  }

  // ---- Heartbeat -------------------------------------------------------

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): number {
    const group = this.rt.group(groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is("Dead")) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (group.isFencedInstance(memberId, groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = group.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.touchSession(group, member);
    return group.is("PreparingRebalance") ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  /** A valid OffsetCommit proves liveness as a heartbeat does. */
  touchMember(group: ClassicGroup, memberId: string): void {
    const member = group.members.get(memberId);
    if (member) this.touchSession(group, member);
  }

  // ---- LeaveGroup ------------------------------------------------------

  /** Per-member error codes, in request order. */
  leave(groupId: string, members: readonly MemberIdentity[]): number[] {
    const group = this.rt.group(groupId);
    if (!group) return members.map(() => ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.is("Dead")) return members.map(() => ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return members.map(({ memberId, groupInstanceId }) => {
      let id = memberId;
      if (groupInstanceId !== null) {
        const current = group.staticMembers.get(groupInstanceId);
        if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
        if (memberId !== "" && memberId !== current) return ErrorCode.FENCED_INSTANCE_ID;
        id = current;
      }
      if (group.pendingMembers.delete(id)) {
        this.cancelPendingTimer(group, id);
        this.tryCompleteJoin(group);
        return ErrorCode.NONE;
      }
      if (!group.members.has(id)) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.removeMember(group, id, ErrorCode.UNKNOWN_MEMBER_ID, "member left");
      return ErrorCode.NONE;
    });
  }

  // ---- member removal and sessions -------------------------------------

  /** Removes a member and moves the group on: a rebalance, or completion of the current join phase. */
  removeMember(group: ClassicGroup, memberId: string, errorForWaiters: number, reason: string, replacedByJoin = false): void {
    const member = group.members.get(memberId);
    if (!member) return;
    this.removeMemberQuietly(group, member, errorForWaiters);
    this.rt.logger.info({ group: group.groupId, member: memberId, reason }, "removed member from group");
    if (group.is("Stable") || group.is("CompletingRebalance")) this.prepareRebalance(group, `${reason}: ${memberId}`);
    // As Kafka's delayed join is tried at once: when the last member left, every
    // remaining member (none) has joined, so the group is Empty right away. Not
    // when a static member is being replaced: its successor joins next.
    if (group.is("PreparingRebalance") && !replacedByJoin) this.tryCompleteJoin(group);
  }

  private removeMemberQuietly(group: ClassicGroup, member: GroupMember, errorForWaiters: number): void {
    group.removeMember(member.memberId);
    this.sessionTimers.get(member)?.();
    this.sessionTimers.delete(member);
    const join = member.awaitingJoin;
    member.awaitingJoin = null;
    join?.(joinError(errorForWaiters, member.memberId));
    this.resolveSync(member, syncError(errorForWaiters));
  }

  private touchSession(group: ClassicGroup, member: GroupMember): void {
    member.sessionDeadlineMs = this.now + member.sessionTimeoutMs;
    if (!this.sessionTimers.has(member)) this.armSessionTimer(group, member, member.sessionTimeoutMs);
  }

  /** One timer per member, re-armed on expiry when the deadline moved: heartbeats cost no timer churn. */
  private armSessionTimer(group: ClassicGroup, member: GroupMember, delayMs: number): void {
    const cancel = this.rt.scheduler.schedule(delayMs, () => {
      this.sessionTimers.delete(member);
      if (group.members.get(member.memberId) !== member) return;
      const now = this.now;
      if (member.isAwaiting) {
        // Waiting on the coordinator is not a missed heartbeat.
        member.sessionDeadlineMs = now + member.sessionTimeoutMs;
      }
      if (member.sessionDeadlineMs > now) {
        this.armSessionTimer(group, member, member.sessionDeadlineMs - now);
        return;
      }
      this.removeMember(group, member.memberId, ErrorCode.UNKNOWN_MEMBER_ID, "session timed out");
    });
    this.sessionTimers.set(member, cancel);
  }

  /** Starts session timers for members restored from the log (they must heartbeat to stay). */
  restoreSessions(group: ClassicGroup): void {
    for (const m of group.members.values()) this.touchSession(group, m);
  }

  private schedulePendingExpiry(group: ClassicGroup, memberId: string, delayMs: number): void {
    const key = `${group.groupId}\u0000${memberId}`;
    const cancel = this.rt.scheduler.schedule(delayMs, () => {
      this.pendingTimers.delete(key);
      if (!group.pendingMembers.delete(memberId)) return;
      this.rt.logger.debug({ group: group.groupId, member: memberId }, "pending member did not rejoin in time");
      this.tryCompleteJoin(group);
    });
    this.pendingTimers.set(key, cancel);
  }

  private cancelPendingTimer(group: ClassicGroup, memberId: string): void {
    const key = `${group.groupId}\u0000${memberId}`;
    this.pendingTimers.get(key)?.();
    this.pendingTimers.delete(key);
  }

  /** Ends everything in flight for a group that is deleted or whose coordinator stops: waiters get `errorCode`. */
  shutdownGroup(group: ClassicGroup, errorCode: number): void {
    this.cancelJoinTimer(group);
    for (const m of [...group.members.values()]) {
      this.sessionTimers.get(m)?.();
      this.sessionTimers.delete(m);
      const join = m.awaitingJoin;
      m.awaitingJoin = null;
      join?.(joinError(errorCode, m.memberId));
      this.resolveSync(m, syncError(errorCode));
    }
    for (const memberId of group.pendingMembers.keys()) this.cancelPendingTimer(group, memberId);
  }
}
