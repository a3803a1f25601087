/**
 * Checks a produce/consume history: every acknowledged write is present exactly
 * once, at one offset, in acknowledgement order within its partition. Writes
 * whose outcome is unknown (sent, no acknowledgement) may be present at most
 * once, anywhere.
 */

/** A write the broker acknowledged, listed in the order the acknowledgements arrived. */
export interface AcknowledgedWrite {
  /** Unique identity of the write (e.g. its value), as read back from the log. */
  id: string;
  partition: number;
  /** Offset returned in the acknowledgement, when the client reports one. */
  offset?: number;
}

/** A record read back from the log. */
export interface ReadRecord {
  id: string;
  partition: number;
  offset: number;
}

export interface HistoryInput {
  /** Acknowledged writes in acknowledgement order (per partition order is what counts). */
  acknowledged: readonly AcknowledgedWrite[];
  /** Ids of writes that were sent but not acknowledged (timeouts, errors). */
  indeterminate?: readonly string[];
  /** Everything read back, from every partition. */
  read: readonly ReadRecord[];
}

export type HistoryViolation =
  | { kind: "lost"; id: string; partition: number }
  | { kind: "duplicated"; id: string; offsets: Array<{ partition: number; offset: number }> }
  | { kind: "wrong-partition"; id: string; acknowledgedPartition: number; readPartition: number }
  | { kind: "offset-mismatch"; id: string; partition: number; acknowledgedOffset: number; readOffset: number }
  | { kind: "reordered"; partition: number; earlierId: string; earlierOffset: number; laterId: string; laterOffset: number }
  | { kind: "offset-reused"; partition: number; offset: number; ids: string[] }
  | { kind: "unexpected"; id: string; partition: number; offset: number };

export interface HistoryResult {
  ok: boolean;
  violations: HistoryViolation[];
  acknowledgedCount: number;
  readCount: number;
}

export function checkHistory(input: HistoryInput): HistoryResult {
  const violations: HistoryViolation[] = [];
  const acknowledgedIds = new Set<string>();
  for (const write of input.acknowledged) {
    if (acknowledgedIds.has(write.id)) throw new Error(`checkHistory: write id ${write.id} acknowledged twice in the input`);
    acknowledgedIds.add(write.id);
  }
  const indeterminateIds = new Set(input.indeterminate ?? []);

  const readsById = new Map<string, ReadRecord[]>();
  const idsByPartitionOffset = new Map<string, string[]>();
  for (const record of input.read) {
    const reads = readsById.get(record.id) ?? [];
    reads.push(record);
    readsById.set(record.id, reads);
    const slot = `${record.partition}:${record.offset}`;
    const ids = idsByPartitionOffset.get(slot) ?? [];
    ids.push(record.id);
    idsByPartitionOffset.set(slot, ids);
  }

  for (const [slot, ids] of idsByPartitionOffset) {
    if (ids.length > 1) {
      const [partition, offset] = slot.split(":").map(Number) as [number, number];
      violations.push({ kind: "offset-reused", partition, offset, ids });
    }
  }

  for (const [id, reads] of readsById) {
    if (reads.length > 1) {
      violations.push({ kind: "duplicated", id, offsets: reads.map(({ partition, offset }) => ({ partition, offset })) });
    }
    if (!acknowledgedIds.has(id) && !indeterminateIds.has(id)) {
      const first = reads[0]!;
      violations.push({ kind: "unexpected", id, partition: first.partition, offset: first.offset });
    }
  }

  const lastByPartition = new Map<number, { id: string; offset: number }>();
  for (const write of input.acknowledged) {
    const reads = readsById.get(write.id);
    if (reads === undefined) {
      violations.push({ kind: "lost", id: write.id, partition: write.partition });
      continue;
    }
    // A duplicated write is reported once (above); judge it by the copy at its acknowledged offset.
    const read = reads.find((r) => r.partition === write.partition && r.offset === write.offset) ?? reads[0]!;
    if (read.partition !== write.partition) {
      violations.push({ kind: "wrong-partition", id: write.id, acknowledgedPartition: write.partition, readPartition: read.partition });
      continue;
    }
    if (write.offset !== undefined && write.offset !== read.offset) {
      violations.push({ kind: "offset-mismatch", id: write.id, partition: write.partition, acknowledgedOffset: write.offset, readOffset: read.offset });
    }
    const previous = lastByPartition.get(write.partition);
    if (previous !== undefined && previous.offset >= read.offset) {
      violations.push({
        kind: "reordered",
        partition: write.partition,
        earlierId: previous.id,
        earlierOffset: previous.offset,
        laterId: write.id,
        laterOffset: read.offset,
      });
    }
    lastByPartition.set(write.partition, { id: write.id, offset: read.offset });
  }

  return { ok: violations.length === 0, violations, acknowledgedCount: input.acknowledged.length, readCount: input.read.length };
}

/** Renders violations for an assertion message, at most `limit` of them. */
export function describeViolations(violations: readonly HistoryViolation[], limit = 20): string {
  const lines = violations.slice(0, limit).map((violation) => JSON.stringify(violation));
  if (violations.length > limit) lines.push(`... and ${violations.length - limit} more`);
  return lines.join("\n");
}

/** Throws with a readable summary when the history has violations. */
export function assertHistory(input: HistoryInput): HistoryResult {
  const result = checkHistory(input);
  if (!result.ok) {
    throw new Error(
      `history check failed: ${result.violations.length} violation(s) over ${result.acknowledgedCount} acknowledged writes and ${result.readCount} reads\n${describeViolations(result.violations)}`,
    );
  }
  return result;
}
