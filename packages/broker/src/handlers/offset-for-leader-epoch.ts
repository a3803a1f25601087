import { ApiKey, ErrorCode, type OffsetForLeaderEpochResponseEpochEndOffset } from "@samsa/protocol";
import { defineHandler } from "./handler.js";

/** Consumers use it after a leader change to detect truncation (KIP-320). */
export const offsetForLeaderEpochHandler = defineHandler({
  apiKey: ApiKey.OffsetForLeaderEpoch,
  name: "OffsetForLeaderEpoch",
  minVersion: 2,
  maxVersion: 4,
  handle(ctx, request) {
    const topics = request.topics.map((topic) => ({
      topic: topic.topic,
      partitions: topic.partitions.map((p): OffsetForLeaderEpochResponseEpochEndOffset => {
        const partition = ctx.broker.partitions.get(topic.topic, p.partition);
        if (!partition) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, partition: p.partition, leaderEpoch: -1, endOffset: -1 };
        const currentEpoch = p.currentLeaderEpoch ?? -1;
        if (currentEpoch !== -1 && currentEpoch !== partition.leaderEpoch) {
          const errorCode = currentEpoch > partition.leaderEpoch ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.FENCED_LEADER_EPOCH;
          return { errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1 };
        }
        // The current epoch ends at the log end; older epochs end where the next began.
        const result =
          p.leaderEpoch === partition.leaderEpoch
            ? { leaderEpoch: partition.leaderEpoch, endOffset: partition.log.logEndOffset }
            : partition.log.endOffsetFor(p.leaderEpoch);
        return { errorCode: ErrorCode.NONE, partition: p.partition, leaderEpoch: result.leaderEpoch, endOffset: result.endOffset };
      }),
    }));
    return { throttleTimeMs: 0, topics };
  },
});
