import { ApiKey, ErrorCode, type DeleteRecordsResponseDeleteRecordsPartitionResult } from "@samsa/protocol";
import { kafkaErrorCodeOf } from "./error-mapping.js";
import { defineHandler } from "./handler.js";
import { lookUpPartition } from "./partition-leadership.js";

/** DeleteRecords offset meaning "up to the high watermark". */
const TO_HIGH_WATERMARK = -1;

export const deleteRecordsHandler = defineHandler({
  apiKey: ApiKey.DeleteRecords,
  name: "DeleteRecords",
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const topics = [];
    for (const topic of request.topics) {
      const partitions: DeleteRecordsResponseDeleteRecordsPartitionResult[] = [];
      for (const p of topic.partitions) {
        // Only the leader moves the log start; followers follow it through their fetches.
        const found = lookUpPartition(ctx.broker, topic.name, p.partitionIndex, { requireLeader: true });
        if (!found.partition) {
          partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: found.errorCode });
          continue;
        }
        const partition = found.partition;
        const log = partition.log;
        const target = p.offset === TO_HIGH_WATERMARK ? log.highWatermark : p.offset;
        if (target < 0 || target > log.highWatermark) {
          partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
          continue;
        }
        try {
          const lowWatermark = target <= log.logStartOffset ? log.logStartOffset : await log.deleteRecordsBefore(target);
          partitions.push({ partitionIndex: p.partitionIndex, lowWatermark, errorCode: ErrorCode.NONE });
        } catch (err) {
          const { errorCode } = kafkaErrorCodeOf(err, ctx.logger, `DeleteRecords on ${partition.key}`);
          partitions.push({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode });
        }
      }
      topics.push({ name: topic.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});
