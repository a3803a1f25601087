import { strict as assert } from "node:assert";

/** Java's `String.hashCode` (32-bit, over UTF-16 code units), which Kafka's fetcher assignment is built on. */
export function javaStringHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/**
 * Which of the `numFetchers` fetchers of a source broker pulls a partition:
 * Kafka's `AbstractFetcherManager.getFetcherId`,
 * `abs(31 * topic.hashCode + partition) % num.replica.fetchers` in 32-bit
 * arithmetic, so a partition stays on one fetcher (one connection) for as long
 * as its leader does, and partitions spread the same way they do on Kafka.
 */
export function fetcherIdFor(topic: string, partition: number, numFetchers: number): number {
  assert.ok(Number.isInteger(numFetchers) && numFetchers >= 1, "numFetchers must be a positive integer");
  const mixed = (Math.imul(31, javaStringHashCode(topic)) + partition) | 0;
  // Kafka's Utils.abs maps Integer.MIN_VALUE to 0 rather than overflowing.
  const abs = mixed === -0x80000000 ? 0 : Math.abs(mixed);
  return abs % numFetchers;
}
