import { ApiKey, ErrorCode, iterateBatches, iterateRecords, type ListOffsetsResponseListOffsetsPartitionResponse } from "@samsa/protocol";
import type { PartitionLog, TimestampAndOffset } from "@samsa/storage";
import { kafkaErrorCodeOf } from "./error-mapping.js";
import { defineHandler } from "./handler.js";
import { leaderEpochStartOffset, lookUpPartition } from "./partition-leadership.js";

/** Special ListOffsets timestamps. */
export const ListOffsetsTimestamp = { LATEST: -1, EARLIEST: -2, MAX_TIMESTAMP: -3 } as const;

/** `replicaId` of ListOffsets: a consumer reads committed data from the leader; a debugging tool may ask any replica for its log. */
export const ListOffsetsReplicaId = { CONSUMER: -1, DEBUGGING: -2 } as const;

export const listOffsetsHandler = defineHandler({
  apiKey: ApiKey.ListOffsets,
  name: "ListOffsets",
  minVersion: 1,
  maxVersion: 7,
  async handle(ctx, request) {
    const broker = ctx.broker;
    // As in Kafka: only the debugging replica id may read a follower; any other
    // non-consumer id (a replica) reads the leader's log up to its end.
    const requireLeader = request.replicaId !== ListOffsetsReplicaId.DEBUGGING;
    const fromConsumer = request.replicaId === ListOffsetsReplicaId.CONSUMER;
    const topics = [];
    for (const topic of request.topics) {
      const partitions: ListOffsetsResponseListOffsetsPartitionResponse[] = [];
      for (const lp of topic.partitions) {
        const answer = (errorCode: number, timestamp = -1, offset = -1, leaderEpoch = -1) =>
          partitions.push({ partitionIndex: lp.partitionIndex, errorCode, timestamp, offset, leaderEpoch });
        const found = lookUpPartition(broker, topic.name, lp.partitionIndex, { currentLeaderEpoch: lp.currentLeaderEpoch, requireLeader });
        if (!found.partition) {
          answer(found.errorCode);
          continue;
        }
        const partition = found.partition;
        const log = partition.log;
        // No transactions yet: the last stable offset equals the high watermark.
        const lastFetchableOffset = fromConsumer ? log.highWatermark : log.logEndOffset;
        // A new leader whose high watermark has not reached its epoch's start cannot
        // answer "latest" for consumers yet (Kafka: retriable OFFSET_NOT_AVAILABLE).
        const epochStart = fromConsumer && partition.isLeader ? leaderEpochStartOffset(partition) : undefined;
        const highWatermarkLags = epochStart !== undefined && epochStart > log.highWatermark;
        try {
          if (lp.timestamp === ListOffsetsTimestamp.EARLIEST) {
            answer(ErrorCode.NONE, -1, log.logStartOffset, partition.leaderEpoch);
          } else if (lp.timestamp === ListOffsetsTimestamp.LATEST) {
            if (highWatermarkLags) answer(ErrorCode.OFFSET_NOT_AVAILABLE);
            else answer(ErrorCode.NONE, -1, lastFetchableOffset, partition.leaderEpoch);
          } else if (lp.timestamp === ListOffsetsTimestamp.MAX_TIMESTAMP || lp.timestamp >= 0) {
            let match = await log.offsetForTimestamp(lp.timestamp);
            if (match && lp.timestamp >= 0) match = await exactRecordAtOrAfter(log, match, lp.timestamp, lastFetchableOffset);
            if (match && match.offset < lastFetchableOffset) answer(ErrorCode.NONE, match.timestamp, match.offset, match.leaderEpoch);
            else answer(highWatermarkLags ? ErrorCode.OFFSET_NOT_AVAILABLE : ErrorCode.NONE);
          } else {
            answer(ErrorCode.INVALID_REQUEST);
          }
        } catch (err) {
          answer(kafkaErrorCodeOf(err, ctx.logger, `ListOffsets on ${partition.key}`).errorCode);
        }
      }
      topics.push({ name: topic.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});

/**
 * The log finds the first batch whose max timestamp reaches `timestampMs`;
 * Kafka answers with the first record inside it that does, so the batch is
 * read and its records scanned (only for by-timestamp lookups, never on the
 * produce or fetch path).
 */
async function exactRecordAtOrAfter(log: PartitionLog, batchMatch: TimestampAndOffset, timestampMs: number, lastFetchableOffset: number): Promise<TimestampAndOffset> {
  if (batchMatch.offset >= lastFetchableOffset) return batchMatch;
  const read = await log.read(batchMatch.offset, 1, lastFetchableOffset);
  for (const batch of iterateBatches(read.records)) {
    if (batch.isControl) continue;
    for (const record of iterateRecords(batch)) {
      if (record.offset >= batchMatch.offset && record.timestamp >= timestampMs) {
        return { offset: record.offset, timestamp: record.timestamp, leaderEpoch: batch.partitionLeaderEpoch };
      }
    }
  }
  return batchMatch;
}
