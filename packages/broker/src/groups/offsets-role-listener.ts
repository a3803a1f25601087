import type { Partition, ReplicaRoleListener } from "../partitions/partition-manager.js";
import type { GroupCoordinator } from "./group-coordinator.js";
import { OFFSETS_TOPIC } from "./group-placement.js";

/**
 * Tells the group coordinator which `__consumer_offsets` partitions this
 * broker leads: the leader of a group's partition is its coordinator.
 */
export function offsetsRoleListener(coordinator: GroupCoordinator): ReplicaRoleListener {
  return {
    roleChanged(partition: Partition) {
      if (partition.topic !== OFFSETS_TOPIC) return;
      if (partition.isLeader) coordinator.partitionLed(partition.index, partition.leaderEpoch);
      else coordinator.partitionNotLed(partition.index);
    },
    replicaRemoved(partition: Partition) {
      if (partition.topic === OFFSETS_TOPIC) coordinator.partitionNotLed(partition.index);
    },
  };
}
