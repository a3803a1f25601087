import { ApiKey } from "@samsa/protocol";
import { defineHandler } from "./handler.js";

export const offsetDeleteHandler = defineHandler({
  apiKey: ApiKey.OffsetDelete,
  name: "OffsetDelete",
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, request) {
    const { errorCode, topics } = await ctx.broker.groups.deleteOffsets(request.groupId, request.topics);
    return { errorCode, throttleTimeMs: 0, topics };
  },
});
