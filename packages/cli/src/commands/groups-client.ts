import { Admin, BrokerError, clientApi, type BrokerConnection, type KafkaClient } from "@samsa/client";
import { ApiKey, ErrorCode, Reader, decodeConsumerProtocolAssignment } from "@samsa/protocol";

// Group APIs the CLI speaks, with the version ranges whose fields it fills.
const findCoordinatorApi = clientApi(ApiKey.FindCoordinator, 1, 3);
const listGroupsApi = clientApi(ApiKey.ListGroups, 0, 4);
const describeGroupsApi = clientApi(ApiKey.DescribeGroups, 0, 5);
const offsetFetchApi = clientApi(ApiKey.OffsetFetch, 2, 7);
const offsetCommitApi = clientApi(ApiKey.OffsetCommit, 2, 8);
const deleteGroupsApi = clientApi(ApiKey.DeleteGroups, 0, 2);

/** Newest ConsumerProtocolAssignment version the generated codec reads. */
const MAX_ASSIGNMENT_VERSION = 3;

export interface GroupMemberInfo {
  memberId: string;
  clientId: string;
  host: string;
  /** topic → partitions, decoded from the consumer protocol; empty for other protocols. */
  assignment: Map<string, number[]>;
}

export interface GroupInfo {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: GroupMemberInfo[];
}

function check(errorCode: number, context: string): void {
  if (errorCode !== ErrorCode.NONE) throw BrokerError.fromCode(errorCode, context);
}

/** Reads a "consumer" member assignment; other protocols' bytes are opaque. */
export function decodeAssignment(bytes: Buffer): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (bytes.length === 0) return out;
  try {
    const r = new Reader(bytes);
    const version = Math.min(r.int16(), MAX_ASSIGNMENT_VERSION);
    for (const tp of decodeConsumerProtocolAssignment(r, version).assignedPartitions) out.set(tp.topic, [...tp.partitions].sort((a, b) => a - b));
  } catch {
    // Not a consumer protocol assignment: nothing to show per partition.
  }
  return out;
}

/** The group APIs over one client: every call goes to the group's coordinator, with retries. */
export class GroupsClient {
  readonly admin: Admin;

  constructor(
    private readonly client: KafkaClient,
    timeoutMs: number,
  ) {
    this.admin = new Admin(client, { timeoutMs });
  }

  private coordinator(groupId: string): Promise<BrokerConnection> {
    return this.client.withRetries(`FindCoordinator ${groupId}`, async () => {
      const res = await this.client.call(await this.client.anyConnection(), findCoordinatorApi, { key: groupId, keyType: 0 });
      check(res.errorCode ?? ErrorCode.NONE, `FindCoordinator ${groupId}`);
      return this.client.connectionTo(res.nodeId!);
    });
  }

  /** Group ids and states from every broker (each lists the groups it coordinates). */
  async listGroups(): Promise<Array<{ groupId: string; protocolType: string; state: string }>> {
    const metadata = await this.client.refreshMetadata([]);
    const out = new Map<string, { groupId: string; protocolType: string; state: string }>();
    for (const nodeId of metadata.brokers.keys()) {
      const res = await this.client.withRetries(`ListGroups on broker ${nodeId}`, async () => {
        const r = await this.client.call(await this.client.connectionTo(nodeId), listGroupsApi, { statesFilter: [] });
        check(r.errorCode, "ListGroups");
        return r;
      });
      for (const g of res.groups) out.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType, state: g.groupState ?? "" });
    }
    return [...out.values()].sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  async describeGroup(groupId: string): Promise<GroupInfo> {
    return this.client.withRetries(`DescribeGroups ${groupId}`, async () => {
      const res = await this.client.call(await this.coordinator(groupId), describeGroupsApi, { groups: [groupId], includeAuthorizedOperations: false });
      const g = res.groups[0]!;
      check(g.errorCode, `DescribeGroups ${groupId}`);
      return {
        groupId,
        state: g.groupState,
        protocolType: g.protocolType,
        protocol: g.protocolData,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          host: m.clientHost,
          assignment: g.protocolType === "consumer" ? decodeAssignment(m.memberAssignment) : new Map(),
        })),
      };
    });
  }

  /** Committed offsets of the group: topic → partition → offset. */
  async committedOffsets(groupId: string): Promise<Map<string, Map<number, number>>> {
    return this.client.withRetries(`OffsetFetch ${groupId}`, async () => {
      const res = await this.client.call(await this.coordinator(groupId), offsetFetchApi, { groupId, topics: null, requireStable: false });
      check(res.errorCode ?? ErrorCode.NONE, `OffsetFetch ${groupId}`);
      const out = new Map<string, Map<number, number>>();
      for (const t of res.topics ?? []) {
        const byPartition = new Map<number, number>();
        for (const p of t.partitions) {
          check(p.errorCode, `OffsetFetch ${groupId} ${t.name}-${p.partitionIndex}`);
          if (p.committedOffset >= 0) byPartition.set(p.partitionIndex, p.committedOffset);
        }
        if (byPartition.size > 0) out.set(t.name, byPartition);
      }
      return out;
    });
  }

  /** Commits from outside the group protocol (generation -1): only accepted while the group is empty. */
  async commitOffsets(groupId: string, offsets: ReadonlyArray<{ topic: string; partition: number; offset: number }>): Promise<void> {
    const byTopic = new Map<string, Array<{ partition: number; offset: number }>>();
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
    await this.client.withRetries(`OffsetCommit ${groupId}`, async () => {
      const res = await this.client.call(await this.coordinator(groupId), offsetCommitApi, {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: "",
        groupInstanceId: null,
        retentionTimeMs: -1,
        topics: [...byTopic].map(([name, parts]) => ({
          name,
          partitions: parts.map((p) => ({ partitionIndex: p.partition, committedOffset: p.offset, committedLeaderEpoch: -1, committedMetadata: "" })),
        })),
      });
      for (const t of res.topics) for (const p of t.partitions) check(p.errorCode, `OffsetCommit ${groupId} ${t.name}-${p.partitionIndex}`);
    });
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.client.withRetries(`DeleteGroups ${groupId}`, async () => {
      const res = await this.client.call(await this.coordinator(groupId), deleteGroupsApi, { groupsNames: [groupId] });
      check(res.results[0]!.errorCode, `DeleteGroups ${groupId}`);
    });
  }

  /** Log-end (or earliest, or by-time) offsets of a topic's partitions. */
  async offsets(topic: string, spec: "earliest" | "latest" | { timestamp: number }, partitions?: readonly number[]): Promise<Map<number, number>> {
    const list = await this.admin.listOffsets(topic, spec, partitions);
    return new Map(list.map((p) => [p.partition, p.offset]));
  }

  async partitionsOf(topic: string): Promise<number[]> {
    return (await this.client.topic(topic, { refresh: true })).partitions.map((p) => p.partition).sort((a, b) => a - b);
  }
}
