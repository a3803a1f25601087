import { ApiKey, ErrorCode, type OffsetForLeaderEpochResponseEpochEndOffset } from "@samsa/protocol";
import { defineHandler } from "./handler.js";
import { lookUpPartition } from "./partition-leadership.js";

/**
 * Consumers use it after a leader change to detect truncation (KIP-320), and
 * followers (replicaId ≥ 0) to find where their log diverges. Either way only
 * the leader answers, as in Kafka: a follower's epoch cache may be behind.
 */
export const offsetForLeaderEpochHandler = defineHandler({
  apiKey: ApiKey.OffsetForLeaderEpoch,
  name: "OffsetForLeaderEpoch",
  minVersion: 2,
  maxVersion: 4,
  handle(ctx, request) {
    const topics = request.topics.map((topic) => ({
      topic: topic.topic,
      partitions: topic.partitions.map((p): OffsetForLeaderEpochResponseEpochEndOffset => {
        const found = lookUpPartition(ctx.broker, topic.topic, p.partition, { currentLeaderEpoch: p.currentLeaderEpoch, requireLeader: true });
        if (!found.partition) return { errorCode: found.errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1 };
        const partition = found.partition;
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
