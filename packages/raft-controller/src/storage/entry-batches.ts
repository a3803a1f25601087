import { buildRecordBatch, iterateBatches, iterateRecords } from "@samsa/protocol";
import type { LogEntry } from "../raft/types.js";

/** Kafka's control record type for a KRaft LeaderChange record (key: version int16, type int16). */
export const LEADER_CHANGE_CONTROL_TYPE = 2;
const CONTROL_KEY_VERSION = 0;

function leaderChangeKey(): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(CONTROL_KEY_VERSION, 0);
  key.writeInt16BE(LEADER_CHANGE_CONTROL_TYPE, 2);
  return key;
}

/**
 * Encodes consecutive Raft entries as Kafka record batches: one batch per run of
 * entries with the same epoch and kind, the Raft epoch as the batch's
 * partitionLeaderEpoch (so the storage's leader-epoch cache tracks Raft epochs), and
 * leader-change entries as control batches, as KRaft stores its LeaderChange records.
 */
export function encodeEntries(entries: readonly LogEntry[], timestampMs: number): { records: Buffer; batchBaseOffsets: number[] } {
  const batches: Buffer[] = [];
  const batchBaseOffsets: number[] = [];
  let runStart = 0;
  for (let i = 1; i <= entries.length; i++) {
    const first = entries[runStart]!;
    const next = entries[i];
    if (next && next.epoch === first.epoch && next.kind === first.kind) continue;
    const run = entries.slice(runStart, i);
    const control = first.kind === "leader-change";
    batchBaseOffsets.push(first.offset);
    batches.push(
      buildRecordBatch({
        baseOffset: first.offset,
        partitionLeaderEpoch: first.epoch,
        timestamp: timestampMs,
        control,
        records: run.map((entry) => ({ key: control ? leaderChangeKey() : null, value: Buffer.from(entry.payload.buffer, entry.payload.byteOffset, entry.payload.byteLength) })),
      }),
    );
    runStart = i;
  }
  return { records: batches.length === 1 ? batches[0]! : Buffer.concat(batches), batchBaseOffsets };
}

/** Decodes stored batches back into Raft entries (CRC-checked by the iterator). */
export function decodeEntries(records: Buffer, batchBaseOffsets: number[] = []): LogEntry[] {
  const out: LogEntry[] = [];
  for (const batch of iterateBatches(records)) {
    batchBaseOffsets.push(batch.baseOffset);
    const kind = batch.isControl ? "leader-change" : "data";
    const epoch = batch.partitionLeaderEpoch;
    for (const record of iterateRecords(batch)) {
      out.push({ offset: record.offset, epoch, kind, payload: record.value ?? new Uint8Array(0) });
    }
  }
  return out;
}
