import { ApiKey } from "@samsa/protocol";
import { defineHandler } from "./handler.js";

/** JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED and its id (KIP-394). */
const FIRST_VERSION_REQUIRING_MEMBER_ID = 4;
/** JoinGroup v7+ may answer a null protocol name. */
const FIRST_VERSION_NULLABLE_PROTOCOL = 7;

/** Kafka reports a member's host as Java prints an InetAddress: "/" and the address, without the port. */
export function clientHostOf(remoteAddress: string): string {
  const host = remoteAddress.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
  return `/${host}`;
}

export const joinGroupHandler = defineHandler({
  apiKey: ApiKey.JoinGroup,
  name: "JoinGroup",
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, request, version) {
    const outcome = await ctx.broker.groups.join({
      groupId: request.groupId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId ?? null,
      clientId: ctx.header.clientId ?? "",
      clientHost: clientHostOf(ctx.connection.remoteAddress),
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs ?? -1,
      protocolType: request.protocolType,
      protocols: request.protocols,
      requireKnownMemberId: version >= FIRST_VERSION_REQUIRING_MEMBER_ID,
    });
    return {
      throttleTimeMs: 0,
      errorCode: outcome.errorCode,
      generationId: outcome.generationId,
      protocolType: outcome.protocolType,
      protocolName: outcome.protocolName ?? (version >= FIRST_VERSION_NULLABLE_PROTOCOL ? null : ""),
      leader: outcome.leaderId,
      skipAssignment: false,
      memberId: outcome.memberId,
      members: outcome.members,
    };
  },
});
