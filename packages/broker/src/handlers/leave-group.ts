import { ApiKey, ErrorCode } from "@samsa/protocol";
import { defineHandler } from "./handler.js";

/** LeaveGroup v3+ removes a batch of members (KIP-345); earlier versions one member id. */
const FIRST_BATCH_VERSION = 3;

export const leaveGroupHandler = defineHandler({
  apiKey: ApiKey.LeaveGroup,
  name: "LeaveGroup",
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request, version) {
    if (version < FIRST_BATCH_VERSION) {
      const { errorCode, memberErrors } = await ctx.broker.groups.leave(request.groupId, [{ memberId: request.memberId ?? "", groupInstanceId: null }]);
      return { throttleTimeMs: 0, errorCode: errorCode !== ErrorCode.NONE ? errorCode : memberErrors[0]! };
    }
    const members = (request.members ?? []).map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null }));
    const { errorCode, memberErrors } = await ctx.broker.groups.leave(request.groupId, members);
    return {
      throttleTimeMs: 0,
      errorCode,
      members: errorCode !== ErrorCode.NONE ? [] : members.map((m, i) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: memberErrors[i]! })),
    };
  },
});
