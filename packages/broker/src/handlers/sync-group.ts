import { ApiKey } from "@samsa/protocol";
import { defineHandler } from "./handler.js";

export const syncGroupHandler = defineHandler({
  apiKey: ApiKey.SyncGroup,
  name: "SyncGroup",
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request) {
    const outcome = await ctx.broker.groups.sync({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId ?? null,
      protocolType: request.protocolType ?? null,
      protocolName: request.protocolName ?? null,
      assignments: request.assignments,
    });
    return { throttleTimeMs: 0, errorCode: outcome.errorCode, protocolType: outcome.protocolType, protocolName: outcome.protocolName, assignment: outcome.assignment };
  },
});
