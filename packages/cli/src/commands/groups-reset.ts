import { UsageError } from "../args.js";

/** Where reset-offsets moves each partition, as kafka-consumer-groups names the choices. */
export type ResetSpec =
  | { kind: "earliest" }
  | { kind: "latest" }
  | { kind: "offset"; offset: number }
  | { kind: "datetime"; timestampMs: number }
  | { kind: "shift"; by: number };

export interface PartitionBounds {
  earliest: number;
  latest: number;
  /** The group's committed offset, if any. */
  current: number | undefined;
  /** First offset at or after the requested time (the log end when none). */
  atTime?: number;
}

/** The new offset of one partition; targets outside the log are clamped to it, as Kafka's tool does. */
export function newOffset(spec: ResetSpec, b: PartitionBounds): number {
  const clamp = (o: number) => Math.min(Math.max(o, b.earliest), b.latest);
  switch (spec.kind) {
    case "earliest":
      return b.earliest;
    case "latest":
      return b.latest;
    case "offset":
      return clamp(spec.offset);
    case "datetime":
      return clamp(b.atTime ?? b.latest);
    case "shift":
      return clamp((b.current ?? b.earliest) + spec.by);
  }
}

/** Exactly one of the --to-… / --shift-by options. */
export function parseResetSpec(args: { "to-earliest"?: boolean; "to-latest"?: boolean; "to-offset"?: number; "to-datetime"?: string; "shift-by"?: number }): ResetSpec {
  const specs: ResetSpec[] = [];
  if (args["to-earliest"]) specs.push({ kind: "earliest" });
  if (args["to-latest"]) specs.push({ kind: "latest" });
  if (args["to-offset"] !== undefined) {
    if (!Number.isSafeInteger(args["to-offset"]) || args["to-offset"] < 0) throw new UsageError(`--to-offset must be a non-negative integer, got '${args["to-offset"]}'`);
    specs.push({ kind: "offset", offset: args["to-offset"] });
  }
  if (args["to-datetime"] !== undefined) {
    const ms = Date.parse(args["to-datetime"]);
    if (Number.isNaN(ms)) throw new UsageError(`--to-datetime must be an ISO-8601 date-time (e.g. 2024-01-31T12:00:00.000Z), got '${args["to-datetime"]}'`);
    specs.push({ kind: "datetime", timestampMs: ms });
  }
  if (args["shift-by"] !== undefined) {
    if (!Number.isSafeInteger(args["shift-by"])) throw new UsageError(`--shift-by must be an integer, got '${args["shift-by"]}'`);
    specs.push({ kind: "shift", by: args["shift-by"] });
  }
  if (specs.length !== 1) throw new UsageError("give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by");
  return specs[0]!;
}

/** "topic" or "topic:0,2": which partitions of which topics to reset (null: all of the topic's partitions). */
export function parseTopicSelectors(values: readonly string[]): Array<{ topic: string; partitions: number[] | null }> {
  return values.map((v) => {
    const colon = v.lastIndexOf(":");
    if (colon < 0) return { topic: v, partitions: null };
    const topic = v.slice(0, colon);
    const partitions = v
      .slice(colon + 1)
      .split(",")
      .map((p) => {
        const n = Number(p.trim());
        if (!Number.isInteger(n) || n < 0 || p.trim() === "") throw new UsageError(`--topic ${v}: '${p}' is not a partition number`);
        return n;
      });
    if (topic === "") throw new UsageError(`--topic ${v}: the topic name is empty`);
    return { topic, partitions };
  });
}
