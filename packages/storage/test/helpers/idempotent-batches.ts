import { buildRecordBatch } from "@samsa/protocol";

/** A batch of `count` records from an idempotent producer, as a client would send it. */
export function idempotentBatch(producerId: number, producerEpoch: number, baseSequence: number, count = 1, timestamp = 1_000_000): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ key: `k${baseSequence}-${i}`, value: `v${producerId}-${producerEpoch}-${baseSequence}-${i}` }));
  return buildRecordBatch({ records, producerId, producerEpoch, baseSequence, timestamp });
}

/** A batch without producer id (a non-idempotent producer). */
export function plainBatch(count = 1, timestamp = 1_000_000): Buffer {
  return buildRecordBatch({ records: Array.from({ length: count }, (_, i) => ({ value: `plain-${i}` })), timestamp });
}
