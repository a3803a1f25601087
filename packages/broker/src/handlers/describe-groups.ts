import { ApiKey, ErrorCode } from "@samsa/protocol";
import { defineHandler } from "./handler.js";
import { AUTHORIZED_OPERATIONS_OMITTED } from "./metadata.js";

export const describeGroupsHandler = defineHandler({
  apiKey: ApiKey.DescribeGroups,
  name: "DescribeGroups",
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request) {
    const groups = [];
    for (const groupId of request.groups) {
      const errorCode = await ctx.broker.groups.groupError(groupId);
      if (errorCode !== ErrorCode.NONE) {
        groups.push({ errorCode, groupId, groupState: "", protocolType: "", protocolData: "", members: [], authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED });
        continue;
      }
      const d = ctx.broker.groups.describeGroup(groupId);
      groups.push({
        errorCode: ErrorCode.NONE,
        groupId,
        groupState: d.state,
        protocolType: d.protocolType,
        protocolData: d.protocolData,
        members: d.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: m.metadata,
          memberAssignment: m.assignment,
        })),
        authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
      });
    }
    return { throttleTimeMs: 0, groups };
  },
});
