import { murmur2, toPositive } from "./murmur2.js";

/** Chooses a partition for a record; `partitionCount` is the topic's current count (> 0). */
export interface Partitioner {
  partition(topic: string, key: Uint8Array | null, partitionCount: number): number;
}

/**
 * Keyed records: murmur2 of the key bytes modulo the partition count, the same
 * rule as the Java client and kafkajs's default partitioner. Null keys:
 * round-robin per topic, which spreads load without needing batch feedback.
 */
export class DefaultPartitioner implements Partitioner {
  private readonly nextByTopic = new Map<string, number>();

  partition(topic: string, key: Uint8Array | null, partitionCount: number): number {
    if (!(Number.isInteger(partitionCount) && partitionCount > 0)) {
      throw new RangeError(`partitionCount must be a positive integer, got ${partitionCount}`);
    }
    if (key !== null) return partitionForKey(key, partitionCount);
    const next = this.nextByTopic.get(topic) ?? 0;
    this.nextByTopic.set(topic, (next + 1) % 0x7fffffff);
    return next % partitionCount;
  }
}

export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return toPositive(murmur2(key)) % partitionCount;
}
