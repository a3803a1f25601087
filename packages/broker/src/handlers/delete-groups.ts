import { ApiKey } from "@samsa/protocol";
import { defineHandler } from "./handler.js";

export const deleteGroupsHandler = defineHandler({
  apiKey: ApiKey.DeleteGroups,
  name: "DeleteGroups",
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const results = [];
    for (const groupId of request.groupsNames) results.push({ groupId, errorCode: await ctx.broker.groups.deleteGroup(groupId) });
    return { throttleTimeMs: 0, results };
  },
});
