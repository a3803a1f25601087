import { ApiKey, ErrorCode, type OffsetFetchResponseOffsetFetchResponseGroup } from "@samsa/protocol";
import type { RequestContext } from "./handler.js";
import { defineHandler } from "./handler.js";

/** OffsetFetch v8+ asks for several groups at once (KIP-709). */
const FIRST_MULTI_GROUP_VERSION = 8;
/** OffsetFetch v2+ has a top-level error code; v0-1 report group errors per partition. */
const FIRST_TOP_LEVEL_ERROR_VERSION = 2;

type TopicQuery = ReadonlyArray<{ name: string; partitionIndexes: readonly number[] }> | null;

async function fetchGroup(ctx: RequestContext, groupId: string, topics: TopicQuery): Promise<OffsetFetchResponseOffsetFetchResponseGroup> {
  const result = await ctx.broker.groups.fetchOffsets(groupId, topics);
  if (result.errorCode !== ErrorCode.NONE && topics !== null) {
    // Versions without a top-level error code still need the reason, so every partition carries it.
    const answered = topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode: result.errorCode })),
    }));
    return { groupId, errorCode: result.errorCode, topics: answered };
  }
  return { groupId, errorCode: result.errorCode, topics: result.topics };
}

export const offsetFetchHandler = defineHandler({
  apiKey: ApiKey.OffsetFetch,
  name: "OffsetFetch",
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, request, version) {
    if (version >= FIRST_MULTI_GROUP_VERSION) {
      const groups = await Promise.all((request.groups ?? []).map((g) => fetchGroup(ctx, g.groupId, g.topics)));
      return { throttleTimeMs: 0, groups };
    }
    const g = await fetchGroup(ctx, request.groupId ?? "", request.topics ?? null);
    if (version < FIRST_TOP_LEVEL_ERROR_VERSION) return { throttleTimeMs: 0, topics: g.topics };
    return { throttleTimeMs: 0, topics: g.topics, errorCode: g.errorCode };
  },
});
