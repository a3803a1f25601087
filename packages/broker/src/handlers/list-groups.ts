import { ApiKey, ErrorCode } from "@samsa/protocol";
import { defineHandler } from "./handler.js";

/** Every group here uses the classic protocol (ListGroups v5 type filter). */
const CLASSIC_GROUP_TYPE = "classic";

export const listGroupsHandler = defineHandler({
  apiKey: ApiKey.ListGroups,
  name: "ListGroups",
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request) {
    const states = new Set((request.statesFilter ?? []).map((s) => s.toLowerCase()));
    const types = new Set((request.typesFilter ?? []).map((t) => t.toLowerCase()));
    if (types.size > 0 && !types.has(CLASSIC_GROUP_TYPE)) return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: [] };
    const groups = ctx.broker.groups
      .listGroups()
      .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: CLASSIC_GROUP_TYPE }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups };
  },
});
