import type { MetadataImage, PartitionState } from "./image.js";
import type { NodeId } from "../raft/types.js";

/** What changed between two images, for listeners that act per partition (the broker's replica manager). */
export interface MetadataDelta {
  /** True when the new image came from a snapshot: treat everything as changed. */
  readonly fromSnapshot: boolean;
  readonly createdTopics: readonly string[];
  /** Topic names removed, with their ids. */
  readonly deletedTopics: readonly { readonly name: string; readonly topicId: string }[];
  /** Partitions that are new or whose state changed (leader, ISR, replicas, epochs). */
  readonly changedPartitions: readonly { readonly topicName: string; readonly partition: PartitionState }[];
  readonly changedBrokers: readonly NodeId[];
  /** Config resources changed, as `type:name` keys. */
  readonly changedConfigs: readonly string[];
}

/**
 * Diffs two images. Images share every unchanged map and object, so the comparison
 * is by reference and costs one pass over the topics and brokers.
 */
export function diffImages(previous: MetadataImage, next: MetadataImage, fromSnapshot = false): MetadataDelta {
  const createdTopics: string[] = [];
  const deletedTopics: { name: string; topicId: string }[] = [];
  const changedPartitions: { topicName: string; partition: PartitionState }[] = [];
  if (previous.topicsById !== next.topicsById) {
    for (const [id, topic] of next.topicsById) {
      const before = previous.topicsById.get(id);
      if (!before) createdTopics.push(topic.name);
      if (before === topic) continue;
      for (const [partitionId, partition] of topic.partitions) {
        if (before?.partitions.get(partitionId) !== partition) changedPartitions.push({ topicName: topic.name, partition });
      }
    }
    for (const [id, topic] of previous.topicsById) if (!next.topicsById.has(id)) deletedTopics.push({ name: topic.name, topicId: id });
  }
  const changedBrokers: NodeId[] = [];
  if (previous.brokers !== next.brokers) {
    for (const [id, broker] of next.brokers) if (previous.brokers.get(id) !== broker) changedBrokers.push(id);
    for (const id of previous.brokers.keys()) if (!next.brokers.has(id)) changedBrokers.push(id);
  }
  const changedConfigs: string[] = [];
  if (previous.configs !== next.configs) {
    for (const [key, values] of next.configs) if (previous.configs.get(key) !== values) changedConfigs.push(key);
    for (const key of previous.configs.keys()) if (!next.configs.has(key)) changedConfigs.push(key);
  }
  return { fromSnapshot, createdTopics, deletedTopics, changedPartitions, changedBrokers, changedConfigs };
}

export function isEmptyDelta(delta: MetadataDelta): boolean {
  return (
    !delta.fromSnapshot &&
    delta.createdTopics.length === 0 &&
    delta.deletedTopics.length === 0 &&
    delta.changedPartitions.length === 0 &&
    delta.changedBrokers.length === 0 &&
    delta.changedConfigs.length === 0
  );
}
