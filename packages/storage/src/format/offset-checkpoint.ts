import { parseCheckpoint, parseCheckpointInt, serializeCheckpoint } from "./checkpoint-file.js";
import { partitionDirName } from "./file-names.js";

/**
 * Per-log-dir offset checkpoints (recovery-point-offset-checkpoint,
 * log-start-offset-checkpoint, replication-offset-checkpoint): entries are
 * `<topic> <partition> <offset>`. Keys in the map are `<topic>-<partition>`.
 */
export type OffsetCheckpoint = Map<string, number>;

export function serializeOffsetCheckpoint(offsets: ReadonlyMap<string, { topic: string; partition: number; offset: number }>): Buffer {
  const entries = [...offsets.values()].map((e) => [e.topic, e.partition, e.offset] as const);
  return serializeCheckpoint(entries);
}

export function parseOffsetCheckpoint(text: string): OffsetCheckpoint {
  const out: OffsetCheckpoint = new Map();
  for (const [topic, partition, offset] of parseCheckpoint(text, 3)) {
    const p = parseCheckpointInt(partition!, "partition");
    out.set(partitionDirName(topic!, p), parseCheckpointInt(offset!, "offset"));
  }
  return out;
}
