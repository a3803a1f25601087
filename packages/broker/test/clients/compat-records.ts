/**
 * The records every real-client compatibility test produces and expects back:
 * deterministic keys, values, headers and timestamps covering binary bytes,
 * empty and null values, null and empty keys, unicode and duplicate header names.
 */

export const PARTITION_COUNT = 3;
export const RECORD_COUNT = 10_000;

export interface TestRecord {
  index: number;
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer]>;
  /** Create time in ms; records are produced with exactly this timestamp when the client allows it. */
  timestamp: number;
}

export interface RecordOptions {
  count?: number;
  /** Timestamp of record 0; record i gets `baseTimestamp + i`. */
  baseTimestamp: number;
  /** Leave out null keys (for clients that cannot send them). */
  noNullKeys?: boolean;
  /** Leave out null values (for clients that cannot send them). */
  noNullValues?: boolean;
}

/** Small deterministic PRNG (mulberry32) so every run produces the same bytes. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(random: () => number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/** A base timestamp an hour in the past, whole seconds, so timestamps are valid but distinct from "now". */
export function defaultBaseTimestamp(): number {
  return Math.floor((Date.now() - 3_600_000) / 1000) * 1000;
}

export function generateRecords(options: RecordOptions): TestRecord[] {
  const count = options.count ?? RECORD_COUNT;
  const random = prng(0x5a45a);
  const records: TestRecord[] = [];
  for (let index = 0; index < count; index++) {
    let key: Buffer | null;
    if (index % 10 === 3 && !options.noNullKeys) key = null;
    else if (index % 10 === 7) key = Buffer.alloc(0);
    else if (index % 13 === 0) key = Buffer.concat([Buffer.from([0x00, 0xff]), randomBytes(random, 1 + (index % 14))]);
    else if (index % 4 === 0) key = Buffer.from(`ключ-${index % 500}-🔑`, "utf8");
    else key = Buffer.from(`key-${index % 500}`, "utf8");

    let value: Buffer | null;
    // Never a null key with a null value: kafka-python refuses to send that (valid) record.
    if (index % 31 === 0 && key !== null && !options.noNullValues) value = null;
    else if (index % 17 === 0) value = Buffer.alloc(0);
    else if (index % 3 === 1) value = Buffer.concat([Buffer.from([0x00, 0x0a, 0x0d, 0xff]), randomBytes(random, Math.floor(random() * 200))]);
    else value = Buffer.from(`value ${index} — données ✓ ${"x".repeat(index % 50)}`, "utf8");

    const headers: Array<[string, Buffer]> = [];
    if (index % 5 !== 0) {
      headers.push(["id", Buffer.from(String(index))]);
      headers.push(["bin", randomBytes(random, index % 9)]);
      headers.push(["ключ-заголовка", Buffer.from("значение ✓", "utf8")]);
      if (index % 11 === 0) headers.push(["dup", Buffer.from("first")], ["dup", Buffer.from("second")]);
    }
    records.push({ index, partition: index % PARTITION_COUNT, key, value, headers, timestamp: options.baseTimestamp + index });
  }
  return records;
}

/** Records grouped by partition, in produce order. */
export function byPartition<T extends { partition: number }>(records: readonly T[]): T[][] {
  const partitions: T[][] = Array.from({ length: PARTITION_COUNT }, () => []);
  for (const record of records) partitions[record.partition]!.push(record);
  return partitions;
}

/** JSON form for the Python helpers: bytes as base64, null kept as null. */
export interface JsonRecord {
  index: number;
  partition: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string]>;
  timestamp: number;
}

export function toJsonRecord(record: TestRecord): JsonRecord {
  return {
    index: record.index,
    partition: record.partition,
    key: record.key === null ? null : record.key.toString("base64"),
    value: record.value === null ? null : record.value.toString("base64"),
    headers: record.headers.map(([name, value]) => [name, value.toString("base64")]),
    timestamp: record.timestamp,
  };
}

/** A record as a client read it back. */
export interface ConsumedRecord {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
  timestamp: number;
}

export interface JsonConsumedRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
  timestamp: number;
}

export function fromJsonConsumed(record: JsonConsumedRecord): ConsumedRecord {
  return {
    partition: record.partition,
    offset: record.offset,
    key: record.key === null ? null : Buffer.from(record.key, "base64"),
    value: record.value === null ? null : Buffer.from(record.value, "base64"),
    headers: record.headers.map(([name, value]) => [name, value === null ? null : Buffer.from(value, "base64")]),
    timestamp: record.timestamp,
  };
}
