import { isReassigning, type MetadataImage, type PartitionState } from "../metadata/image.js";
import { NO_LEADER, type MetadataRecord } from "../metadata/records.js";
import type { NodeId } from "../raft/types.js";
import { KafkaErrorCode } from "./errors.js";
import type { ControllerResult } from "./result.js";

// Partition reassignment as KIP-455 describes it. While a reassignment runs, the
// partition's replicas are the target followed by the replicas being removed, and
// `addingReplicas` / `removingReplicas` say which is which. The new replicas fetch
// from the leader like any follower; once every target replica is in the ISR the
// controller switches the replica set to the target (moving leadership when the
// leader is being removed), and brokers that lost the partition delete their logs.

const UNCLEAN_LEADER_ELECTION_CONFIG = "unclean.leader.election.enable";

export interface ReassignablePartition {
  readonly partitionId: number;
  /** The target replicas; null cancels the reassignment in progress. */
  readonly replicas: readonly NodeId[] | null;
}

export interface AlterPartitionReassignmentsRequest {
  readonly topics: readonly { readonly name: string; readonly partitions: readonly ReassignablePartition[] }[];
}

export interface ReassignmentPartitionResult {
  readonly partitionId: number;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface ReassignmentTopicResult {
  readonly name: string;
  readonly partitions: readonly ReassignmentPartitionResult[];
}

export interface ListPartitionReassignmentsRequest {
  /** null: every partition with a reassignment in progress. */
  readonly topics: readonly { readonly name: string; readonly partitionIds: readonly number[] }[] | null;
}

export interface OngoingReassignment {
  readonly name: string;
  readonly partitionId: number;
  readonly replicas: readonly NodeId[];
  readonly addingReplicas: readonly NodeId[];
  readonly removingReplicas: readonly NodeId[];
}

class ReassignmentError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = "ReassignmentError";
  }
}

/** Starts, replaces or cancels reassignments; each partition succeeds or fails on its own. */
export function alterPartitionReassignments(image: MetadataImage, request: AlterPartitionReassignmentsRequest): ControllerResult<ReassignmentTopicResult[]> {
  const records: MetadataRecord[] = [];
  let current = image;
  const results: ReassignmentTopicResult[] = request.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map(({ partitionId, replicas }) => {
      try {
        const topic = current.topic(t.name);
        const p = topic?.partitions.get(partitionId);
        if (!topic || !p) throw new ReassignmentError(KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown partition ${t.name}-${partitionId}`);
        const unclean = current.config("topic", t.name, UNCLEAN_LEADER_ELECTION_CONFIG) ?? current.config("broker", "", UNCLEAN_LEADER_ELECTION_CONFIG);
        const record = replicas === null ? cancelReassignment(current, p, unclean === "true") : startReassignment(current, p, replicas, unclean === "true");
        if (record) {
          records.push(record);
          current = current.replay(record, current.offset + 1);
        }
        return { partitionId, errorCode: KafkaErrorCode.NONE, errorMessage: null };
      } catch (error) {
        if (!(error instanceof ReassignmentError)) throw error;
        return { partitionId, errorCode: error.errorCode, errorMessage: error.message };
      }
    }),
  }));
  return { records, response: results };
}

/** The reassignments in progress, for the named partitions or all of them (unknown names are skipped, as Kafka does). */
export function listPartitionReassignments(image: MetadataImage, request: ListPartitionReassignmentsRequest): OngoingReassignment[] {
  const out: OngoingReassignment[] = [];
  const add = (name: string, p: PartitionState | undefined) => {
    if (!p || !isReassigning(p)) return;
    out.push({ name, partitionId: p.partitionId, replicas: p.replicas, addingReplicas: p.addingReplicas ?? [], removingReplicas: p.removingReplicas ?? [] });
  };
  if (request.topics === null) {
    for (const topic of image.topicsById.values()) for (const p of topic.partitions.values()) add(topic.name, p);
  } else {
    for (const t of request.topics) {
      const topic = image.topic(t.name);
      if (topic) for (const id of t.partitionIds) add(t.name, topic.partitions.get(id));
    }
  }
  return out;
}

/**
 * The record that finishes `p`'s reassignment when `isr` (the ISR about to be
 * committed) holds every target replica, else null. Used wherever the ISR of a
 * reassigning partition changes, so completion lands in the same record.
 */
export function completionIfReady(image: MetadataImage, p: PartitionState, isr: readonly NodeId[]): MetadataRecord | null {
  if (!isReassigning(p)) return null;
  const removing = p.removingReplicas ?? [];
  const target = p.replicas.filter((id) => !removing.includes(id));
  if (!target.every((id) => isr.includes(id))) return null;
  const newIsr = isr.filter((id) => target.includes(id));
  let leader: NodeId | null = null;
  if (!newIsr.includes(p.leader)) {
    // The leader is being removed: the first target replica that can lead takes over.
    leader = target.find((id) => newIsr.includes(id) && image.isUnfenced(id)) ?? NO_LEADER;
  }
  return { type: "PartitionChange", topicId: p.topicId, partitionId: p.partitionId, leader, isr: newIsr, replicas: target, addingReplicas: [], removingReplicas: [] };
}

function validateTarget(image: MetadataImage, p: PartitionState, target: readonly NodeId[]): void {
  const name = `${p.topicId}-${p.partitionId}`;
  if (target.length === 0) throw new ReassignmentError(KafkaErrorCode.INVALID_REPLICA_ASSIGNMENT, `empty replica list for ${name}`);
  if (new Set(target).size !== target.length) throw new ReassignmentError(KafkaErrorCode.INVALID_REPLICA_ASSIGNMENT, `duplicate replicas in [${target.join(",")}]`);
  const unknown = target.filter((id) => !Number.isInteger(id) || !image.brokers.has(id));
  if (unknown.length > 0) throw new ReassignmentError(KafkaErrorCode.INVALID_REPLICA_ASSIGNMENT, `brokers [${unknown.join(",")}] are not registered`);
}

/** The partition as it was before the reassignment in progress (or as it is, when none is). */
function reverted(image: MetadataImage, p: PartitionState, unclean: boolean): { replicas: NodeId[]; isr: NodeId[]; leader: NodeId } {
  const adding = p.addingReplicas ?? [];
  const replicas = p.replicas.filter((id) => !adding.includes(id));
  let isr = p.isr.filter((id) => replicas.includes(id));
  let leader = p.leader;
  if (isr.length === 0) {
    // Only replicas being added are in sync: going back means an out-of-sync leader.
    const live = replicas.find((id) => image.isUnfenced(id));
    if (!unclean || live === undefined) {
      throw new ReassignmentError(KafkaErrorCode.INVALID_REPLICA_ASSIGNMENT, `reverting ${p.topicId}-${p.partitionId} to [${replicas.join(",")}] would need an unclean leader election`);
    }
    isr = [live];
    leader = live;
  } else if (!isr.includes(leader)) {
    leader = replicas.find((id) => isr.includes(id) && image.isUnfenced(id)) ?? NO_LEADER;
  }
  return { replicas, isr, leader };
}

function cancelReassignment(image: MetadataImage, p: PartitionState, unclean: boolean): MetadataRecord | null {
  if (!isReassigning(p)) throw new ReassignmentError(KafkaErrorCode.NO_REASSIGNMENT_IN_PROGRESS, `no reassignment of ${p.topicId}-${p.partitionId} is in progress`);
  const back = reverted(image, p, unclean);
  return changeRecord(p, back.replicas, back.isr, back.leader, [], []);
}

function startReassignment(image: MetadataImage, p: PartitionState, target: readonly NodeId[], unclean: boolean): MetadataRecord | null {
  validateTarget(image, p, target);
  // A new target replaces one in progress: it is computed from the original replicas.
  const base = isReassigning(p) ? reverted(image, p, unclean) : { replicas: [...p.replicas], isr: [...p.isr], leader: p.leader };
  const adding = target.filter((id) => !base.replicas.includes(id));
  const removing = base.replicas.filter((id) => !target.includes(id));
  const replicas = [...target, ...removing];
  // Replicas of a replaced reassignment that are in sync and still wanted keep their ISR place.
  let isr = p.isr.filter((id) => replicas.includes(id));
  if (isr.length === 0) isr = base.isr;
  const leader = isr.includes(p.leader) ? p.leader : base.leader;
  const next: PartitionState = { ...p, replicas, isr, leader, ...(adding.length + removing.length > 0 ? { addingReplicas: adding, removingReplicas: removing } : {}) };
  if (adding.length === 0 && removing.length === 0) {
    const { addingReplicas: _a, removingReplicas: _r, ...plain } = next;
    return changeRecord(p, plain.replicas, plain.isr, plain.leader, [], []);
  }
  // Shrinking to replicas already in sync completes at once.
  const completion = completionIfReady(image, next, isr);
  if (completion && completion.type === "PartitionChange") {
    return changeRecord(p, completion.replicas!, completion.isr!, completion.leader ?? leader, [], []);
  }
  return changeRecord(p, replicas, isr, leader, adding, removing);
}

/** A PartitionChange from `p` to the given state, or null when nothing changes. */
function changeRecord(p: PartitionState, replicas: readonly NodeId[], isr: readonly NodeId[], leader: NodeId, adding: readonly NodeId[], removing: readonly NodeId[]): MetadataRecord | null {
  const same = (a: readonly NodeId[] | undefined, b: readonly NodeId[]) => (a ?? []).length === b.length && b.every((id, i) => (a ?? [])[i] === id);
  const replicasChanged = !same(p.replicas, replicas);
  const isrChanged = !same(p.isr, isr);
  const reassignmentChanged = !same(p.addingReplicas, adding) || !same(p.removingReplicas, removing);
  if (!replicasChanged && !isrChanged && !reassignmentChanged && leader === p.leader) return null;
  return {
    type: "PartitionChange",
    topicId: p.topicId,
    partitionId: p.partitionId,
    leader: leader !== p.leader ? leader : null,
    isr: isrChanged ? isr : null,
    replicas: replicasChanged ? replicas : null,
    ...(reassignmentChanged ? { addingReplicas: adding, removingReplicas: removing } : {}),
  };
}
