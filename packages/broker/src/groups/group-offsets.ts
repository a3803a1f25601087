import { ErrorCode } from "@samsa/protocol";
import type { ClassicGroup, CommittedOffset } from "./classic-group.js";
import type { GroupMembership } from "./group-membership.js";
import type { GroupRuntime } from "./group-runtime.js";
import type { OffsetsRecord } from "./offsets-log.js";
import { encodeOffsetCommitKey, encodeOffsetCommitValue } from "./offsets-topic-records.js";

export interface OffsetCommitRequestData {
  groupId: string;
  /** -1: a commit from outside the group protocol (admin tools, `assign()` consumers, OffsetCommit v0). */
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** OffsetCommit v2-4 per-request retention; -1 uses the broker's. */
  retentionTimeMs: number;
  topics: ReadonlyArray<{
    name: string;
    partitions: ReadonlyArray<{ partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string | null }>;
  }>;
}

export type PartitionErrors = Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;

/** Appends a group's records to its `__consumer_offsets` partition; resolves once durable. */
export type AppendGroupRecords = (group: ClassicGroup, records: readonly OffsetsRecord[]) => Promise<void>;

function allPartitions(req: OffsetCommitRequestData, errorCode: number): PartitionErrors {
  return req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) }));
}

/**
 * Committed offsets: validation against the group's generation, durable
 * writes to `__consumer_offsets` before the commit is acknowledged or
 * visible, and retention of offsets of empty groups.
 */
export class GroupOffsets {
  constructor(
    private readonly rt: GroupRuntime,
    private readonly membership: GroupMembership,
    private readonly appendRecords: AppendGroupRecords,
    private readonly partitionExists: (topic: string, partition: number) => boolean,
  ) {}

  /** The group-level error of a commit, or NONE; may create the group for a commit from outside the group protocol. */
  private validateCommit(req: OffsetCommitRequestData): { errorCode: number; group?: ClassicGroup } {
    let group = this.rt.group(req.groupId);
    if (!group) {
      if (req.generationId >= 0) return { errorCode: ErrorCode.ILLEGAL_GENERATION };
      group = this.rt.getOrCreateGroup(req.groupId);
      return { errorCode: ErrorCode.NONE, group };
    }
    if (group.is("Dead")) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    if (req.generationId < 0 && group.is("Empty")) return { errorCode: ErrorCode.NONE, group };
    if (group.isFencedInstance(req.memberId, req.groupInstanceId)) return { errorCode: ErrorCode.FENCED_INSTANCE_ID };
    if (!group.members.has(req.memberId)) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
    if (req.generationId !== group.generationId) return { errorCode: ErrorCode.ILLEGAL_GENERATION };
    if (group.is("CompletingRebalance")) return { errorCode: ErrorCode.REBALANCE_IN_PROGRESS };
    return { errorCode: ErrorCode.NONE, group };
  }

  async commit(req: OffsetCommitRequestData): Promise<PartitionErrors> {
    const { errorCode, group } = this.validateCommit(req);
    if (errorCode !== ErrorCode.NONE || !group) return allPartitions(req, errorCode);
    if (req.memberId !== "") this.membership.touchMember(group, req.memberId);
    const now = this.rt.scheduler.now();
    const expireTimestampMs = req.retentionTimeMs >= 0 ? now + req.retentionTimeMs : -1;
    const accepted: Array<{ topic: string; partition: number; committed: CommittedOffset }> = [];
    const result: PartitionErrors = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const metadata = p.committedMetadata ?? "";
        let code: number = ErrorCode.NONE;
        if (!this.partitionExists(t.name, p.partitionIndex)) code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (Buffer.byteLength(metadata, "utf8") > this.rt.config.offsetMetadataMaxBytes) code = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        else if (!Number.isSafeInteger(p.committedOffset) || p.committedOffset < -1) code = ErrorCode.INVALID_REQUEST;
        else {
          accepted.push({
            topic: t.name,
            partition: p.partitionIndex,
            committed: { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata, commitTimestampMs: now, expireTimestampMs },
          });
        }
        return { partitionIndex: p.partitionIndex, errorCode: code };
      }),
    }));
    if (accepted.length === 0) return result;
    const records = accepted.map(({ topic, partition, committed }) => ({
      key: encodeOffsetCommitKey(group.groupId, topic, partition),
      value: encodeOffsetCommitValue({
        offset: committed.offset,
        leaderEpoch: committed.leaderEpoch,
        metadata: committed.metadata,
        commitTimestamp: committed.commitTimestampMs,
        expireTimestamp: committed.expireTimestampMs,
      }),
    }));
    try {
      await this.appendRecords(group, records);
    } catch (err) {
      const code = appendErrorCode(err);
      this.rt.logger.warn({ err, group: group.groupId }, "writing committed offsets failed");
      const failed = new Set(accepted.map((a) => `${a.topic}\u0000${a.partition}`));
      for (const t of result) for (const p of t.partitions) if (failed.has(`${t.name}\u0000${p.partitionIndex}`)) p.errorCode = code;
      return result;
    }
    // Visible only once durable: a fetch never returns an offset a crash could lose.
    if (!group.is("Dead")) for (const a of accepted) group.setOffset(a.topic, a.partition, a.committed);
    return result;
  }

  /** Offsets of `topics` (all the group has when null); partitions without a commit get offset -1. */
  fetch(groupId: string, topics: ReadonlyArray<{ name: string; partitionIndexes: readonly number[] }> | null) {
    const group = this.rt.group(groupId);
    const answer = (topic: string, partition: number) => {
      const c = group?.offset(topic, partition);
      return { partitionIndex: partition, committedOffset: c?.offset ?? -1, committedLeaderEpoch: c?.leaderEpoch ?? -1, metadata: c?.metadata ?? "", errorCode: ErrorCode.NONE };
    };
    if (topics === null) {
      const byTopic = new Map<string, number[]>();
      for (const { topic, partition } of group?.allOffsets() ?? []) {
        const list = byTopic.get(topic) ?? [];
        list.push(partition);
        byTopic.set(topic, list);
      }
      return [...byTopic].map(([name, partitions]) => ({ name, partitions: partitions.sort((a, b) => a - b).map((p) => answer(name, p)) }));
    }
    return topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => answer(t.name, p)) }));
  }

  /** OffsetDelete: refused for topics the group's live members subscribe to. */
  async deleteOffsets(
    group: ClassicGroup,
    topics: ReadonlyArray<{ name: string; partitions: ReadonlyArray<{ partitionIndex: number }> }>,
    subscribedTopics: ReadonlySet<string>,
  ): Promise<PartitionErrors> {
    const doomed: Array<{ topic: string; partition: number }> = [];
    const result: PartitionErrors = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        if (subscribedTopics.has(t.name)) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
        if (group.offset(t.name, p.partitionIndex)) doomed.push({ topic: t.name, partition: p.partitionIndex });
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
    await this.removeOffsets(group, doomed);
    return result;
  }

  /** Writes tombstones, then forgets the offsets. */
  async removeOffsets(group: ClassicGroup, offsets: ReadonlyArray<{ topic: string; partition: number }>): Promise<void> {
    if (offsets.length === 0) return;
    await this.appendRecords(
      group,
      offsets.map(({ topic, partition }) => ({ key: encodeOffsetCommitKey(group.groupId, topic, partition), value: null })),
    );
    for (const { topic, partition } of offsets) group.deleteOffset(topic, partition);
  }

  /**
   * offsets.retention.minutes: offsets of an empty group expire once the
   * group has been empty that long; offsets of a group that never used the
   * group protocol expire that long after their commit; a commit with its
   * own retention (OffsetCommit v2-4) expires at its own time.
   */
  expiredOffsets(group: ClassicGroup, nowMs: number): Array<{ topic: string; partition: number }> {
    const retention = this.rt.config.offsetsRetentionMs;
    const out: Array<{ topic: string; partition: number }> = [];
    if (!group.is("Empty")) return out;
    const standalone = group.protocolType === null || group.protocolType === "";
    for (const { topic, partition, committed } of group.allOffsets()) {
      const expired =
        committed.expireTimestampMs >= 0
          ? committed.expireTimestampMs <= nowMs
          : (standalone ? committed.commitTimestampMs : group.stateTimestampMs) + retention <= nowMs;
      if (expired) out.push({ topic, partition });
    }
    return out;
  }
}

/** How Kafka reports a failed offsets write to the committer. */
function appendErrorCode(err: unknown): number {
  const code = (err as { errorCode?: unknown } | null)?.errorCode;
  if (code === ErrorCode.MESSAGE_TOO_LARGE || code === ErrorCode.RECORD_LIST_TOO_LARGE) return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
  if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.NOT_LEADER_OR_FOLLOWER) return ErrorCode.NOT_COORDINATOR;
  return ErrorCode.COORDINATOR_NOT_AVAILABLE;
}
