import { ApiKey } from "@samsa/protocol";
import { defineHandler } from "./handler.js";

export const offsetCommitHandler = defineHandler({
  apiKey: ApiKey.OffsetCommit,
  name: "OffsetCommit",
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, request) {
    const topics = await ctx.broker.groups.commitOffsets({
      groupId: request.groupId,
      generationId: request.generationIdOrMemberEpoch ?? -1,
      memberId: request.memberId ?? "",
      groupInstanceId: request.groupInstanceId ?? null,
      retentionTimeMs: request.retentionTimeMs ?? -1,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          committedOffset: p.committedOffset,
          committedLeaderEpoch: p.committedLeaderEpoch ?? -1,
          committedMetadata: p.committedMetadata,
        })),
      })),
    });
    return { throttleTimeMs: 0, topics };
  },
});
