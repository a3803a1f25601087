import { ApiKey, ErrorCode, iterateBatches, iterateRecords, type ListOffsetsResponseListOffsetsPartitionResponse } from "@samsa/protocol";
import type { PartitionLog, TimestampAndOffset } from "@samsa/storage";
import { kafkaErrorCodeOf } from "./error-mapping.js";
import { defineHandler } from "./handler.js";

/** Special ListOffsets timestamps. */
export const ListOffsetsTimestamp = { LATEST: -1, EARLIEST: -2, MAX_TIMESTAMP: -3 } as const;

export const listOffsetsHandler = defineHandler({
  apiKey: ApiKey.ListOffsets,
  name: "ListOffsets",
  minVersion: 1,
  maxVersion: 7,
  async handle(ctx, request) {
    const broker = ctx.broker;
    const topics = [];
    for (const topic of request.topics) {
      const partitions: ListOffsetsResponseListOffsetsPartitionResponse[] = [];
      for (const lp of topic.partitions) {
        const answer = (errorCode: number, timestamp = -1, offset = -1, leaderEpoch = -1) =>
          partitions.push({ partitionIndex: lp.partitionIndex, errorCode, timestamp, offset, leaderEpoch });
        const partition = broker.partitions.get(topic.name, lp.partitionIndex);
        if (!partition) {
          answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          continue;
        }
        const currentEpoch = lp.currentLeaderEpoch ?? -1;
        if (currentEpoch !== -1 && currentEpoch !== partition.leaderEpoch) {
          answer(currentEpoch > partition.leaderEpoch ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.FENCED_LEADER_EPOCH);
          continue;
        }
        const log = partition.log;
        try {
          if (lp.timestamp === ListOffsetsTimestamp.EARLIEST) {
            answer(ErrorCode.NONE, -1, log.logStartOffset, partition.leaderEpoch);
          } else if (lp.timestamp === ListOffsetsTimestamp.LATEST) {
            // No transactions yet: the last stable offset equals the high watermark.
            answer(ErrorCode.NONE, -1, log.highWatermark, partition.leaderEpoch);
          } else if (lp.timestamp === ListOffsetsTimestamp.MAX_TIMESTAMP || lp.timestamp >= 0) {
            let found = await log.offsetForTimestamp(lp.timestamp);
            if (found && lp.timestamp >= 0) found = await exactRecordAtOrAfter(log, found, lp.timestamp);
            if (found && found.offset < log.highWatermark) answer(ErrorCode.NONE, found.timestamp, found.offset, found.leaderEpoch);
            else answer(ErrorCode.NONE);
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
async function exactRecordAtOrAfter(log: PartitionLog, batchMatch: TimestampAndOffset, timestampMs: number): Promise<TimestampAndOffset> {
  const read = await log.read(batchMatch.offset, 1, log.highWatermark);
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
