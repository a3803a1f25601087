/** The internal topic holding group metadata and committed offsets. */
export const OFFSETS_TOPIC = "__consumer_offsets";

/** Java's String.hashCode: a 32-bit polynomial over UTF-16 code units. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The `__consumer_offsets` partition that owns `groupId`, computed as Kafka
 * does (`Utils.abs(hashCode) % partitions`, where abs(MIN_VALUE) is 0) so a
 * group lands on the same partition as it would on a Kafka cluster.
 */
export function offsetsPartitionFor(groupId: string, partitionCount: number): number {
  if (!Number.isInteger(partitionCount) || partitionCount <= 0) throw new RangeError(`partition count must be positive, got ${partitionCount}`);
  const h = javaStringHashCode(groupId);
  const abs = h === -0x80000000 ? 0 : Math.abs(h);
  return abs % partitionCount;
}
