import { UsageError } from "../args.js";

// The reassignment JSON of kafka-reassign-partitions.sh:
// {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2]}]}
// ("log_dirs" entries are accepted and ignored: Samsa has one log dir per broker).

export interface PartitionReplicas {
  topic: string;
  partition: number;
  replicas: number[];
}

export interface ReassignmentPlan {
  version: 1;
  partitions: PartitionReplicas[];
}

/** Bound on the partitions one plan may name (one AlterPartitionReassignments request). */
export const MAX_PLAN_PARTITIONS = 100_000;

export function formatPlan(partitions: readonly PartitionReplicas[]): string {
  const sorted = [...partitions].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return JSON.stringify({ version: 1, partitions: sorted.map((p) => ({ topic: p.topic, partition: p.partition, replicas: p.replicas })) });
}

/** Parses and checks a reassignment JSON document; every problem is a UsageError naming the entry. */
export function parsePlan(text: string, source: string): ReassignmentPlan {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof doc !== "object" || doc === null || !Array.isArray((doc as { partitions?: unknown }).partitions)) {
    throw new UsageError(`${source}: expected {"version":1,"partitions":[{"topic","partition","replicas"}]}`);
  }
  const version = (doc as { version?: unknown }).version;
  if (version !== undefined && version !== 1) throw new UsageError(`${source}: unsupported version ${JSON.stringify(version)} (only 1)`);
  const entries = (doc as { partitions: unknown[] }).partitions;
  if (entries.length === 0) throw new UsageError(`${source}: no partitions listed`);
  if (entries.length > MAX_PLAN_PARTITIONS) throw new UsageError(`${source}: ${entries.length} partitions, at most ${MAX_PLAN_PARTITIONS}`);
  const seen = new Set<string>();
  const partitions = entries.map((entry, i): PartitionReplicas => {
    const e = entry as Partial<Record<string, unknown>>;
    const where = `${source}: partitions[${i}]`;
    if (typeof e !== "object" || e === null) throw new UsageError(`${where} is not an object`);
    if (typeof e.topic !== "string" || e.topic === "") throw new UsageError(`${where}: "topic" must be a non-empty string`);
    if (!Number.isInteger(e.partition) || (e.partition as number) < 0) throw new UsageError(`${where}: "partition" must be a non-negative integer`);
    const replicas = e.replicas;
    if (!Array.isArray(replicas) || replicas.length === 0 || !replicas.every((r) => Number.isInteger(r) && r >= 0)) {
      throw new UsageError(`${where}: "replicas" must be a non-empty list of broker ids`);
    }
    if (new Set(replicas).size !== replicas.length) throw new UsageError(`${where}: duplicate broker in "replicas" ${JSON.stringify(replicas)}`);
    const key = `${e.topic}-${String(e.partition)}`;
    if (seen.has(key)) throw new UsageError(`${where}: ${key} is listed twice`);
    seen.add(key);
    return { topic: e.topic, partition: e.partition as number, replicas: replicas as number[] };
  });
  return { version: 1, partitions };
}

/**
 * A balanced placement of each partition's replicas (same replication factor)
 * over `brokers`, the rack-unaware round robin Kafka's --generate uses, with a
 * fixed start so the proposal is reproducible: first replicas go round the
 * brokers, and the followers' offset from the first shifts after every full
 * round so no two brokers always follow each other.
 */
export function generatePlan(current: readonly PartitionReplicas[], brokers: readonly number[]): PartitionReplicas[] {
  const ids = [...new Set(brokers)].sort((a, b) => a - b);
  if (ids.length === 0) throw new UsageError("--brokers must list at least one broker id");
  const byTopic = new Map<string, PartitionReplicas[]>();
  for (const p of current) {
    const list = byTopic.get(p.topic) ?? [];
    list.push(p);
    byTopic.set(p.topic, list);
  }
  const out: PartitionReplicas[] = [];
  for (const [topic, partitions] of byTopic) {
    const sorted = [...partitions].sort((a, b) => a.partition - b.partition);
    for (const [i, p] of sorted.entries()) {
      const rf = p.replicas.length;
      if (rf > ids.length) throw new UsageError(`${topic}-${p.partition} has ${rf} replicas but only ${ids.length} brokers were given`);
      const first = i % ids.length;
      const shift = Math.floor(i / ids.length) % Math.max(1, ids.length - 1);
      const replicas = [ids[first]!];
      for (let j = 0; j < rf - 1; j++) replicas.push(ids[(first + 1 + ((shift + j) % (ids.length - 1))) % ids.length]!);
      out.push({ topic, partition: p.partition, replicas });
    }
  }
  return out;
}

/** "1,2,3" → [1,2,3]. */
export function parseIdList(text: string, optionName: string): number[] {
  const ids = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (ids.length === 0) throw new UsageError(`--${optionName} needs a comma-separated list`);
  return ids.map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${optionName}: '${s}' is not a broker id`);
    return n;
  });
}
