import { Gauge, type Registry } from "prom-client";
import type { GroupCoordinator } from "./group-coordinator.js";

export interface PartitionEnd {
  /** The high watermark of a partition, or undefined when it does not exist here. */
  highWatermark(topic: string, partition: number): number | undefined;
}

/**
 * Group metrics computed at scrape time: consumer lag and committed offsets
 * per group and partition (named as kafka_exporter names them, so its
 * dashboards and alerts work) and group counts by state.
 */
export function registerGroupMetrics(registry: Registry, coordinator: GroupCoordinator, partitions: PartitionEnd): void {
  const labelNames = ["consumergroup", "topic", "partition"] as const;
  new Gauge({
    name: "kafka_consumergroup_lag",
    help: "Log end offset minus committed offset, by group and partition",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const group of coordinator.allGroups()) {
        for (const { topic, partition, committed } of group.allOffsets()) {
          const end = partitions.highWatermark(topic, partition);
          if (end === undefined || committed.offset < 0) continue;
          this.set({ consumergroup: group.groupId, topic, partition: String(partition) }, Math.max(0, end - committed.offset));
        }
      }
    },
  });
  new Gauge({
    name: "kafka_consumergroup_current_offset",
    help: "Committed offset, by group and partition",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const group of coordinator.allGroups()) {
        for (const { topic, partition, committed } of group.allOffsets()) {
          this.set({ consumergroup: group.groupId, topic, partition: String(partition) }, committed.offset);
        }
      }
    },
  });
  new Gauge({
    name: "kafka_consumergroup_members",
    help: "Members of each group",
    labelNames: ["consumergroup"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const group of coordinator.allGroups()) this.set({ consumergroup: group.groupId }, group.members.size);
    },
  });
  new Gauge({
    name: "kafka_coordinator_group_groupmetadatamanager_numgroups",
    help: "Groups this broker coordinates, by state",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [state, count] of Object.entries(coordinator.groupCountsByState())) this.set({ state }, count);
    },
  });
}
