import type { BrokerRegistration, MetadataImage } from "../metadata/image.js";
import type { NodeId } from "../raft/types.js";

/**
 * Orders brokers so that neighbours sit in different racks (rack A, B, C, A, B, C,
 * ...). Taking consecutive brokers from this list spreads a partition's replicas
 * across racks; brokers without a rack count as one rack each.
 */
export function rackAlternatingOrder(brokers: readonly BrokerRegistration[]): NodeId[] {
  const byRack = new Map<string, NodeId[]>();
  for (const broker of [...brokers].sort((a, b) => a.id - b.id)) {
    const rack = broker.rack ?? `\u0000no-rack-${broker.id}`;
    const list = byRack.get(rack) ?? [];
    list.push(broker.id);
    byRack.set(rack, list);
  }
  const racks = [...byRack.keys()].sort();
  const out: NodeId[] = [];
  for (let round = 0; out.length < brokers.length; round++) {
    for (const rack of racks) {
      const id = byRack.get(rack)![round];
      if (id !== undefined) out.push(id);
    }
  }
  return out;
}

/**
 * Assigns replicas for new partitions: partition p starts at broker (start + p) of
 * the rack-alternating order and takes the next `replicationFactor` brokers, so
 * leaders (first replicas) and replicas rotate evenly. `start` continues from the
 * partitions that already exist, so successive topics do not all start on broker 0.
 */
export function assignReplicas(
  image: MetadataImage,
  partitionCount: number,
  replicationFactor: number,
): NodeId[][] {
  const order = rackAlternatingOrder(image.unfencedBrokers());
  let existing = 0;
  for (const topic of image.topicsById.values()) existing += topic.partitions.size;
  const assignments: NodeId[][] = [];
  for (let i = 0; i < partitionCount; i++) {
    const start = existing + i;
    const replicas: NodeId[] = [];
    for (let r = 0; r < replicationFactor; r++) replicas.push(order[(start + r) % order.length]!);
    assignments.push(replicas);
  }
  return assignments;
}
