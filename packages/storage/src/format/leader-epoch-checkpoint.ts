import { CheckpointFormatError, parseCheckpoint, parseCheckpointInt, serializeCheckpoint } from "./checkpoint-file.js";

/** One leader epoch and the first offset written in it. */
export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

/** `leader-epoch-checkpoint`: entries are `<epoch> <start offset>`, both increasing. */
export function serializeLeaderEpochCheckpoint(entries: readonly EpochEntry[]): Buffer {
  return serializeCheckpoint(entries.map((e) => [e.epoch, e.startOffset]));
}

export function parseLeaderEpochCheckpoint(text: string): EpochEntry[] {
  const entries = parseCheckpoint(text, 2).map(([epoch, start]) => ({
    epoch: parseCheckpointInt(epoch!, "epoch"),
    startOffset: parseCheckpointInt(start!, "start offset"),
  }));
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]!.epoch <= entries[i - 1]!.epoch || entries[i]!.startOffset < entries[i - 1]!.startOffset) {
      throw new CheckpointFormatError(`entry ${i + 1} does not increase`);
    }
  }
  return entries;
}
