import type { BrokerConfig } from "../config/broker-config.js";

/** The coordinator's settings, in the units it uses. */
export interface GroupCoordinatorConfig {
  offsetsPartitionCount: number;
  /** offsets.topic.replication.factor (the topic gets it capped by the live broker count). */
  offsetsReplicationFactor: number;
  /** How long a commit waits for the ISR before failing (offsets.commit.timeout.ms). */
  offsetsCommitTimeoutMs: number;
  initialRebalanceDelayMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** Members allowed in one group. */
  maxGroupSize: number;
  /** Largest commit metadata string (offset.metadata.max.bytes). */
  offsetMetadataMaxBytes: number;
  /** How long offsets of an empty group are kept (offsets.retention.minutes). */
  offsetsRetentionMs: number;
  retentionCheckIntervalMs: number;
}

function numberOr(config: BrokerConfig, name: string, fallback: number): number {
  const v = config.values.get(name);
  return typeof v === "number" ? v : fallback;
}

export function groupCoordinatorConfig(config: BrokerConfig): GroupCoordinatorConfig {
  return {
    offsetsPartitionCount: config.offsetsTopicNumPartitions,
    offsetsReplicationFactor: numberOr(config, "offsets.topic.replication.factor", 3),
    offsetsCommitTimeoutMs: numberOr(config, "offsets.commit.timeout.ms", 5_000),
    initialRebalanceDelayMs: numberOr(config, "group.initial.rebalance.delay.ms", 3_000),
    minSessionTimeoutMs: numberOr(config, "group.min.session.timeout.ms", 6_000),
    maxSessionTimeoutMs: numberOr(config, "group.max.session.timeout.ms", 1_800_000),
    maxGroupSize: numberOr(config, "group.max.size", 2_147_483_647),
    offsetMetadataMaxBytes: numberOr(config, "offset.metadata.max.bytes", 4_096),
    offsetsRetentionMs: numberOr(config, "offsets.retention.minutes", 10_080) * 60_000,
    retentionCheckIntervalMs: numberOr(config, "offsets.retention.check.interval.ms", 600_000),
  };
}
