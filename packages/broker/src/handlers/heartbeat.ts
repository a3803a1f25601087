import { ApiKey } from "@samsa/protocol";
import { defineHandler } from "./handler.js";

export const heartbeatHandler = defineHandler({
  apiKey: ApiKey.Heartbeat,
  name: "Heartbeat",
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, request) {
    const errorCode = await ctx.broker.groups.heartbeat(request.groupId, request.memberId, request.groupInstanceId ?? null, request.generationId);
    return { throttleTimeMs: 0, errorCode };
  },
});
