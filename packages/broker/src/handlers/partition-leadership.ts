import { ErrorCode } from "@samsa/protocol";
import type { BrokerContext } from "../broker-context.js";
import type { Partition } from "../partitions/partition-manager.js";

/** `currentLeaderEpoch` value meaning "the client does not know / does not check". */
export const NO_LEADER_EPOCH_CHECK = -1;

export type PartitionLookup = { partition: Partition; errorCode?: undefined } | { partition?: undefined; errorCode: number };

/**
 * Kafka's order of partition checks for requests a replica answers locally
 * (ListOffsets, OffsetForLeaderEpoch, DeleteRecords, Produce):
 *
 * 1. not hosted here: NOT_LEADER_OR_FOLLOWER when the metadata image has the
 *    topic and partition (the client's metadata is stale), otherwise
 *    UNKNOWN_TOPIC_OR_PARTITION;
 * 2. the client's `currentLeaderEpoch` against ours: older → FENCED_LEADER_EPOCH,
 *    newer (our metadata is behind) → UNKNOWN_LEADER_EPOCH;
 * 3. `requireLeader` on a replica that does not lead → NOT_LEADER_OR_FOLLOWER.
 */
export function lookUpPartition(
  broker: BrokerContext,
  topic: string,
  index: number,
  options: { currentLeaderEpoch?: number; requireLeader: boolean },
): PartitionLookup {
  const partition = broker.partitions.get(topic, index);
  if (!partition) return { errorCode: notHostedError(broker, topic, index) };
  const epoch = options.currentLeaderEpoch ?? NO_LEADER_EPOCH_CHECK;
  if (epoch !== NO_LEADER_EPOCH_CHECK && epoch !== partition.leaderEpoch) {
    return { errorCode: epoch < partition.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH };
  }
  if (options.requireLeader && !partition.isLeader) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
  return { partition };
}

/** The error for a partition this broker holds no replica of. */
export function notHostedError(broker: BrokerContext, topic: string, index: number): number {
  const meta = broker.metadata.topic(topic);
  return meta !== undefined && index >= 0 && index < meta.partitionCount ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
}

/**
 * Where the current leader epoch began in this replica's log, when the log
 * recorded it (a leader assigns it on election). Until the high watermark
 * reaches it, a new leader cannot yet say what is committed.
 */
export function leaderEpochStartOffset(partition: Partition): number | undefined {
  const entries = partition.log.epochEntries();
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!;
    if (entry.epoch === partition.leaderEpoch) return entry.startOffset;
    if (entry.epoch < partition.leaderEpoch) return undefined;
  }
  return undefined;
}
