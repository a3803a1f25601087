import { ApiKey, ErrorCode, type FindCoordinatorResponseCoordinator } from "@samsa/protocol";
import type { RequestContext } from "./handler.js";
import { defineHandler } from "./handler.js";
import { errorName } from "./error-mapping.js";

/** FindCoordinator key types. */
const KeyType = { GROUP: 0, TRANSACTION: 1 } as const;

async function coordinatorFor(ctx: RequestContext, key: string, keyType: number): Promise<FindCoordinatorResponseCoordinator> {
  const answer = (errorCode: number, errorMessage: string | null = null): FindCoordinatorResponseCoordinator => {
    if (errorCode !== ErrorCode.NONE) return { key, nodeId: -1, host: "", port: -1, errorCode, errorMessage: errorMessage ?? errorName(errorCode) };
    const endpoint = ctx.broker.advertisedEndpoint(ctx.connection.listenerName);
    return { key, nodeId: ctx.broker.nodeId, host: endpoint.host, port: endpoint.port, errorCode, errorMessage: null };
  };
  if (keyType === KeyType.TRANSACTION) return answer(ErrorCode.COORDINATOR_NOT_AVAILABLE, "this broker has no transaction coordinator");
  if (keyType !== KeyType.GROUP) return answer(ErrorCode.INVALID_REQUEST, `unknown coordinator key type ${keyType}`);
  if (key === "") return answer(ErrorCode.INVALID_REQUEST, "the group id is empty");
  // Single node: this broker leads every __consumer_offsets partition, so it coordinates every group.
  return answer(await ctx.broker.groups.ensureOffsetsTopic());
}

export const findCoordinatorHandler = defineHandler({
  apiKey: ApiKey.FindCoordinator,
  name: "FindCoordinator",
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, request, version) {
    const keyType = request.keyType ?? KeyType.GROUP;
    if (version >= 4) {
      const coordinators = await Promise.all((request.coordinatorKeys ?? []).map((key) => coordinatorFor(ctx, key, keyType)));
      return { throttleTimeMs: 0, coordinators };
    }
    const c = await coordinatorFor(ctx, request.key ?? "", keyType);
    return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port };
  },
});
