import { ApiKey, ErrorCode } from "@samsa/protocol";
import { AUTHORIZED_OPERATIONS_OMITTED, clientFacingControllerId, liveBrokers } from "./metadata.js";
import { defineHandler } from "./handler.js";

/** DescribeCluster endpoint types (KIP-919): 1 = brokers, 2 = controllers. */
const ENDPOINT_TYPE_BROKERS = 1;

export const describeClusterHandler = defineHandler({
  apiKey: ApiKey.DescribeCluster,
  name: "DescribeCluster",
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, request) {
    const broker = ctx.broker;
    const endpointType = request.endpointType ?? ENDPOINT_TYPE_BROKERS;
    const live = liveBrokers(broker, ctx.connection.listenerName);
    const base = { throttleTimeMs: 0, endpointType, clusterId: broker.clusterId, controllerId: clientFacingControllerId(broker, live), clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
    if (endpointType !== ENDPOINT_TYPE_BROKERS) {
      return { ...base, errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: "Only broker endpoints can be described.", brokers: [] };
    }
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, brokers: live.map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack })) };
  },
});
