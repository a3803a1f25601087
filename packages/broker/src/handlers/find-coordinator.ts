import { ApiKey, ErrorCode, type FindCoordinatorResponseCoordinator } from "@samsa/protocol";
import type { RequestContext } from "./handler.js";
import { defineHandler } from "./handler.js";
import { OFFSETS_TOPIC } from "../groups/group-placement.js";
import { NO_LEADER } from "../partitions/partition-manager.js";
import { errorName } from "./error-mapping.js";

/** FindCoordinator key types. */
const KeyType = { GROUP: 0, TRANSACTION: 1 } as const;

async function coordinatorFor(ctx: RequestContext, key: string, keyType: number): Promise<FindCoordinatorResponseCoordinator> {
  const failed = (errorCode: number, errorMessage: string | null = null): FindCoordinatorResponseCoordinator => ({
    key,
    nodeId: -1,
    host: "",
    port: -1,
    errorCode,
    errorMessage: errorMessage ?? errorName(errorCode),
  });
  if (keyType === KeyType.TRANSACTION) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE, "this broker has no transaction coordinator");
  if (keyType !== KeyType.GROUP) return failed(ErrorCode.INVALID_REQUEST, `unknown coordinator key type ${keyType}`);
  if (key === "") return failed(ErrorCode.INVALID_REQUEST, "the group id is empty");
  const topicError = await ctx.broker.groups.ensureOffsetsTopic();
  if (topicError !== ErrorCode.NONE) return failed(topicError);
  // The coordinator is the leader of the group's __consumer_offsets partition, as the committed metadata has it.
  const partition = ctx.broker.groups.partitionFor(key);
  const leader = ctx.broker.metadata.topic(OFFSETS_TOPIC)?.partitions[partition]?.leader ?? NO_LEADER;
  if (leader === NO_LEADER) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${OFFSETS_TOPIC}-${partition} has no leader`);
  const listenerName = ctx.connection.listenerName;
  if (leader === ctx.broker.nodeId) {
    const self = ctx.broker.advertisedEndpoint(listenerName);
    return { key, nodeId: leader, host: self.host, port: self.port, errorCode: ErrorCode.NONE, errorMessage: null };
  }
  const broker = ctx.broker.metadata.brokers().find((b) => b.id === leader && !b.fenced);
  const endpoint = broker?.endpoints.find((e) => e.name === listenerName) ?? broker?.endpoints[0];
  if (!endpoint) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE, `the leader of ${OFFSETS_TOPIC}-${partition}, broker ${leader}, is not reachable`);
  return { key, nodeId: leader, host: endpoint.host, port: endpoint.port, errorCode: ErrorCode.NONE, errorMessage: null };
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
