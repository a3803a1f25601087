/** A record as the producer takes it. */
export interface ProducerRecord {
  topic: string;
  /** Explicit partition; otherwise the partitioner chooses from the key. */
  partition?: number;
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string> | ReadonlyArray<{ key: string; value: Buffer | string | null }>;
  /** Create time in ms; defaults to now. */
  timestamp?: number;
}

/** A record ready to go into a batch: bytes only. */
export interface OutgoingRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<{ key: string; value: Buffer | null }>;
  timestamp: number;
}

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  /** True when the broker stamped the time (message.timestamp.type=LogAppendTime). */
  logAppendTime: boolean;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<{ key: string; value: Buffer | null }>;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1 with acks=0: the broker does not say. */
  offset: number;
  timestamp: number;
}

function toBytes(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === "string" ? Buffer.from(v, "utf8") : v;
}

export function toOutgoing(record: ProducerRecord, nowMs: number): OutgoingRecord {
  const headers: Array<{ key: string; value: Buffer | null }> = [];
  if (Array.isArray(record.headers)) {
    for (const h of record.headers as ReadonlyArray<{ key: string; value: Buffer | string | null }>) headers.push({ key: h.key, value: toBytes(h.value) });
  } else if (record.headers) {
    for (const [key, value] of Object.entries(record.headers)) headers.push({ key, value: toBytes(value) });
  }
  return { key: toBytes(record.key), value: toBytes(record.value), headers, timestamp: record.timestamp ?? nowMs };
}

/** Upper bound of a record's encoded size, for batch sizing (varint overheads counted at their max). */
export function estimateRecordBytes(r: OutgoingRecord): number {
  let n = 5 + 1 + 10 + 5 + 5 + (r.key?.length ?? 0) + 5 + (r.value?.length ?? 0) + 5;
  for (const h of r.headers) n += 5 + Buffer.byteLength(h.key) + 5 + (h.value?.length ?? 0);
  return n;
}
