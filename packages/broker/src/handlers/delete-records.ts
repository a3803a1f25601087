import { ApiKey, ErrorCode, type DeleteRecordsResponseDeleteRecordsPartitionResult } from "@samsa/protocol";
import { isDeleteRetained } from "@samsa/storage";
import { kafkaErrorCodeOf } from "./error-mapping.js";
import { defineHandler, type RequestContext } from "./handler.js";
import { lookUpPartition } from "./partition-leadership.js";

/** DeleteRecords offset meaning "up to the high watermark". */
const TO_HIGH_WATERMARK = -1;
/** Kafka's `DeleteRecordsResponse.INVALID_LOW_WATERMARK`. */
const INVALID_LOW_WATERMARK = -1;

type PartitionResult = DeleteRecordsResponseDeleteRecordsPartitionResult;

/**
 * Kafka's DeleteRecords: the leader moves its log start, then the answer
 * waits (DelayedDeleteRecords) until every live replica moved its own, which
 * followers do from the leader's log start in their fetch responses. The
 * partitions of one request wait concurrently, each up to the request's
 * `timeoutMs`; one that times out answers REQUEST_TIMED_OUT with the low
 * watermark as it was when the leader deleted.
 */
export const deleteRecordsHandler = defineHandler({
  apiKey: ApiKey.DeleteRecords,
  name: "DeleteRecords",
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const topics = await Promise.all(
      request.topics.map(async (topic) => ({
        name: topic.name,
        partitions: await Promise.all(topic.partitions.map((p) => deletePartitionRecords(ctx, topic.name, p.partitionIndex, p.offset, request.timeoutMs))),
      })),
    );
    return { throttleTimeMs: 0, topics };
  },
});

async function deletePartitionRecords(ctx: RequestContext, topic: string, partitionIndex: number, offset: number, timeoutMs: number): Promise<PartitionResult> {
  const failed = (errorCode: number): PartitionResult => ({ partitionIndex, lowWatermark: INVALID_LOW_WATERMARK, errorCode });
  // Only the leader moves the log start; followers follow it through their fetches.
  const found = lookUpPartition(ctx.broker, topic, partitionIndex, { requireLeader: true });
  if (!found.partition) return failed(found.errorCode);
  const partition = found.partition;
  const log = partition.log;
  if (!isDeleteRetained(log.config)) return failed(ErrorCode.POLICY_VIOLATION);
  const target = offset === TO_HIGH_WATERMARK ? log.highWatermark : offset;
  if (target < 0 || target > log.highWatermark) return failed(ErrorCode.OFFSET_OUT_OF_RANGE);
  const replication = ctx.broker.replication?.manager;
  let lowWatermarkAtDeletion = INVALID_LOW_WATERMARK;
  try {
    if (target > log.logStartOffset) {
      await log.deleteRecordsBefore(target);
      // Followers parked in a fetch learn the new log start now, not at replica.fetch.wait.max.ms.
      ctx.broker.partitions.purgatory.notifyLogStartMoved(partition.key);
    }
    if (!replication) return { partitionIndex, lowWatermark: log.logStartOffset, errorCode: ErrorCode.NONE };
    lowWatermarkAtDeletion = replication.lowWatermark(topic, partitionIndex);
    const lowWatermark = await replication.waitForLowWatermark(topic, partitionIndex, target, timeoutMs);
    return { partitionIndex, lowWatermark, errorCode: ErrorCode.NONE };
  } catch (err) {
    const { errorCode } = kafkaErrorCodeOf(err, ctx.logger, `DeleteRecords on ${partition.key}`);
    const lowWatermark = errorCode === ErrorCode.REQUEST_TIMED_OUT ? lowWatermarkAtDeletion : INVALID_LOW_WATERMARK;
    return { partitionIndex, lowWatermark, errorCode };
  }
}
