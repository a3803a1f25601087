import assert from "node:assert/strict";

/** The classic group protocol's states, named as DescribeGroups and ListGroups report them. */
export type GroupState = "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable" | "Dead";

export const GROUP_STATES: readonly GroupState[] = ["Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"];

/** Which states a group may move to each state from (Kafka's classic coordinator rules). */
const VALID_PREVIOUS_STATES: Readonly<Record<GroupState, readonly GroupState[]>> = {
  Empty: ["PreparingRebalance"],
  PreparingRebalance: ["Stable", "CompletingRebalance", "Empty"],
  CompletingRebalance: ["PreparingRebalance"],
  Stable: ["CompletingRebalance"],
  Dead: ["Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"],
};

export interface ProtocolMetadata {
  name: string;
  metadata: Buffer;
}

export interface JoinOutcome {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string;
  memberId: string;
  /** Filled for the leader only: every member's metadata for the chosen protocol. */
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
}

export interface SyncOutcome {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestampMs: number;
  /** -1: expires by the group's retention rule, not per commit. */
  expireTimestampMs: number;
}

const EMPTY_BYTES = Buffer.alloc(0);

/** One member of a classic group. */
export class GroupMember {
  assignment: Buffer = EMPTY_BYTES;
  /** Set while the member waits for the join phase to complete. */
  awaitingJoin: ((outcome: JoinOutcome) => void) | null = null;
  /** Set while the member waits for the leader's assignment. */
  awaitingSync: ((outcome: SyncOutcome) => void) | null = null;
  /** The member is dropped when no heartbeat (or join/sync/commit) arrives by then. */
  sessionDeadlineMs = 0;
  /** Joined in the current rebalance (so an initial delay may be extended for it). */
  isNew = false;

  constructor(
    readonly memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    public protocolType: string,
    public protocols: readonly ProtocolMetadata[],
  ) {}

  metadataFor(protocol: string): Buffer {
    const p = this.protocols.find((x) => x.name === protocol);
    assert.ok(p, `member ${this.memberId} does not support protocol ${protocol}`);
    return p.metadata;
  }

  /** Same protocols with the same metadata, in the same order. */
  matches(protocols: readonly ProtocolMetadata[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((p, i) => p.name === this.protocols[i]!.name && p.metadata.equals(this.protocols[i]!.metadata));
  }

  /** Keeps the member alive while it waits on the coordinator. */
  get isAwaiting(): boolean {
    return this.awaitingJoin !== null || this.awaitingSync !== null;
  }
}

/**
 * A classic consumer group: membership, generation, chosen protocol and
 * committed offsets. Pure state with invariants; timing and persistence
 * belong to the coordinator that drives it.
 */
export class ClassicGroup {
  state: GroupState = "Empty";
  stateTimestampMs: number;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, GroupMember>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, by the time they lapse. */
  readonly pendingMembers = new Map<string, number>();
  /** group.instance.id → current member id. */
  readonly staticMembers = new Map<string, string>();
  /** topic → partition → committed offset. */
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();
  /** A member joined during the current initial delay. */
  newMemberAdded = false;

  constructor(
    readonly groupId: string,
    nowMs: number,
  ) {
    this.stateTimestampMs = nowMs;
  }

  is(state: GroupState): boolean {
    return this.state === state;
  }

  transitionTo(state: GroupState, nowMs: number): void {
    assert.ok(VALID_PREVIOUS_STATES[state].includes(this.state), `group ${this.groupId}: illegal transition ${this.state} -> ${state}`);
    this.state = state;
    this.stateTimestampMs = nowMs;
  }

  /** Sets the state without transition checks: only when rebuilding a group from its log. */
  restoreState(state: GroupState, nowMs: number): void {
    this.state = state;
    this.stateTimestampMs = nowMs;
  }

  addMember(member: GroupMember): void {
    assert.ok(!this.members.has(member.memberId), `member ${member.memberId} already in group ${this.groupId}`);
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    this.leaderId ??= member.memberId;
  }

  removeMember(memberId: string): GroupMember | undefined {
    const member = this.members.get(memberId);
    if (!member) return undefined;
    this.members.delete(memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    return member;
  }

  /** Whether `instanceId` belongs to a different member than `memberId` (a zombie of a static member). */
  isFencedInstance(memberId: string, instanceId: string | null | undefined): boolean {
    if (instanceId === null || instanceId === undefined) return false;
    const current = this.staticMembers.get(instanceId);
    return current !== undefined && current !== memberId;
  }

  /**
   * Whether a member with these protocols may join: the first member fixes
   * the protocol type; later ones must share it and at least one protocol
   * every current member supports.
   */
  supportsProtocols(protocolType: string, protocols: readonly ProtocolMetadata[]): boolean {
    if (protocolType.length === 0 || protocols.length === 0) return false;
    if (this.members.size === 0) return true;
    if (protocolType !== this.protocolType) return false;
    const common = this.candidateProtocols();
    return protocols.some((p) => common.has(p.name));
  }

  /** Protocols every member supports. */
  candidateProtocols(): Set<string> {
    const members = [...this.members.values()];
    if (members.length === 0) return new Set();
    const common = new Set(members[0]!.protocols.map((p) => p.name));
    for (const m of members.slice(1)) {
      const names = new Set(m.protocols.map((p) => p.name));
      for (const n of common) if (!names.has(n)) common.delete(n);
    }
    return common;
  }

  /** Each member votes for its most preferred candidate; most votes wins, ties go to the earliest vote. */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    assert.ok(candidates.size > 0, `group ${this.groupId} has no protocol all members support`);
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name))!.name;
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best = "";
    let bestVotes = -1;
    for (const [name, count] of votes) {
      if (count > bestVotes) {
        best = name;
        bestVotes = count;
      }
    }
    return best;
  }

  /** The join phase may complete: every member rejoined and no member id is pending. */
  get allMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false;
    for (const m of this.members.values()) if (m.awaitingJoin === null) return false;
    return true;
  }

  /** The longest rebalance timeout among members: how long a join phase may wait. */
  get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  offset(topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(topic)?.get(partition);
  }

  setOffset(topic: string, partition: number, committed: CommittedOffset): void {
    let byPartition = this.offsets.get(topic);
    if (!byPartition) {
      byPartition = new Map();
      this.offsets.set(topic, byPartition);
    }
    byPartition.set(partition, committed);
  }

  deleteOffset(topic: string, partition: number): boolean {
    const byPartition = this.offsets.get(topic);
    if (!byPartition?.delete(partition)) return false;
    if (byPartition.size === 0) this.offsets.delete(topic);
    return true;
  }

  *allOffsets(): Generator<{ topic: string; partition: number; committed: CommittedOffset }> {
    for (const [topic, byPartition] of this.offsets) {
      for (const [partition, committed] of byPartition) yield { topic, partition, committed };
    }
  }

  get offsetCount(): number {
    let n = 0;
    for (const byPartition of this.offsets.values()) n += byPartition.size;
    return n;
  }
}
