/**
 * Kafka's checkpoint text format, shared by the offset checkpoints and the
 * leader-epoch checkpoint:
 *
 *     0            <- version
 *     2            <- number of entries
 *     <entry>
 *     <entry>
 *
 * Each entry is space-separated fields. Parsing is strict: anything else is
 * reported as garbage rather than half-trusted.
 */
export const CHECKPOINT_VERSION = 0;

export class CheckpointFormatError extends Error {
  readonly code = "CHECKPOINT_FORMAT";
}

export function serializeCheckpoint(entries: readonly (readonly (string | number)[])[]): Buffer {
  const lines = [String(CHECKPOINT_VERSION), String(entries.length), ...entries.map((e) => e.join(" "))];
  return Buffer.from(lines.join("\n") + "\n", "utf8");
}

/** Entry lines split into fields, each with exactly `fieldsPerEntry` fields. */
export function parseCheckpoint(text: string, fieldsPerEntry: number): string[][] {
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length < 2) throw new CheckpointFormatError("missing version or entry count");
  if (lines[0]!.trim() !== String(CHECKPOINT_VERSION)) throw new CheckpointFormatError(`unsupported version ${JSON.stringify(lines[0])}`);
  const countText = lines[1]!.trim();
  if (!/^\d+$/.test(countText)) throw new CheckpointFormatError(`bad entry count ${JSON.stringify(countText)}`);
  const count = Number(countText);
  if (lines.length - 2 !== count) throw new CheckpointFormatError(`expected ${count} entries, found ${lines.length - 2}`);
  return lines.slice(2).map((line, i) => {
    const fields = line.trim().split(" ");
    if (fields.length !== fieldsPerEntry) throw new CheckpointFormatError(`entry ${i + 1} has ${fields.length} fields, expected ${fieldsPerEntry}`);
    return fields;
  });
}

export function parseCheckpointInt(text: string, what: string): number {
  if (!/^-?\d+$/.test(text)) throw new CheckpointFormatError(`${what} is not an integer: ${JSON.stringify(text)}`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new CheckpointFormatError(`${what} out of range: ${text}`);
  return value;
}
