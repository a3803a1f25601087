import { ClassicGroup, GroupMember } from "./classic-group.js";
import type { OffsetsRecord } from "./offsets-log.js";
import { decodeGroupMetadataValue, decodeOffsetCommitValue, decodeOffsetsTopicKey, type GroupMetadataValue } from "./offsets-topic-records.js";

/**
 * Rebuilds the groups of one `__consumer_offsets` partition from its
 * records, later records overriding earlier ones as compaction would.
 */
export class GroupLoader {
  readonly groups = new Map<string, ClassicGroup>();
  /** Records skipped because their key or value could not be read. */
  skippedRecords = 0;

  constructor(private readonly nowMs: number) {}

  private getOrCreate(groupId: string): ClassicGroup {
    let g = this.groups.get(groupId);
    if (!g) {
      g = new ClassicGroup(groupId, this.nowMs);
      this.groups.set(groupId, g);
    }
    return g;
  }

  replay(record: OffsetsRecord): void {
    let key;
    try {
      key = decodeOffsetsTopicKey(record.key);
    } catch {
      this.skippedRecords++;
      return;
    }
    try {
      if (key.kind === "offset") {
        if (record.value === null) {
          this.groups.get(key.group)?.deleteOffset(key.topic, key.partition);
          return;
        }
        const v = decodeOffsetCommitValue(record.value);
        this.getOrCreate(key.group).setOffset(key.topic, key.partition, {
          offset: v.offset,
          leaderEpoch: v.leaderEpoch,
          metadata: v.metadata,
          commitTimestampMs: v.commitTimestamp,
          expireTimestampMs: v.expireTimestamp,
        });
        return;
      }
      if (record.value === null) {
        this.groups.delete(key.group);
        return;
      }
      this.restoreMetadata(this.getOrCreate(key.group), decodeGroupMetadataValue(record.value));
    } catch {
      this.skippedRecords++;
    }
  }

  private restoreMetadata(group: ClassicGroup, v: GroupMetadataValue): void {
    for (const id of [...group.members.keys()]) group.removeMember(id);
    group.generationId = v.generation;
    group.protocolName = v.protocol;
    group.leaderId = null;
    const protocol = v.protocol;
    for (const m of protocol === null ? [] : v.members) {
      const protocols = [{ name: protocol!, metadata: m.subscription }];
      const member = new GroupMember(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.rebalanceTimeoutMs, m.sessionTimeoutMs, v.protocolType, protocols);
      member.assignment = m.assignment;
      group.addMember(member);
    }
    group.protocolType = v.protocolType;
    group.leaderId = v.leader !== null && group.members.has(v.leader) ? v.leader : (group.members.keys().next().value ?? null);
    const since = v.currentStateTimestamp >= 0 ? v.currentStateTimestamp : this.nowMs;
    // A stored generation with members was stable when written; members must heartbeat again to keep it.
    group.restoreState(group.members.size > 0 ? "Stable" : "Empty", since);
  }
}
