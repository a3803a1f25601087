import { ApiKey, ErrorCode } from "@samsa/protocol";
import type { BrokerContext } from "../broker-context.js";
import { TopicOperationError } from "../metadata/topic-manager.js";
import { ConfigResourceType } from "./config-resources.js";
import { defineHandler } from "./handler.js";

/** Applies a full set of topic overrides (or validates it); returns the error code and message. */
export async function applyTopicConfigs(
  broker: BrokerContext,
  resourceType: number,
  resourceName: string,
  configs: Record<string, string | null> | TopicOperationError,
  validateOnly: boolean,
): Promise<{ errorCode: number; errorMessage: string | null }> {
  if (configs instanceof TopicOperationError) return { errorCode: configs.errorCode, errorMessage: configs.message };
  if (resourceType === ConfigResourceType.BROKER || resourceType === ConfigResourceType.BROKER_LOGGER) {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "Dynamic broker configs are not supported; change server.properties and restart." };
  }
  if (resourceType !== ConfigResourceType.TOPIC) {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${resourceType}` };
  }
  try {
    await broker.topics.setTopicConfigs(resourceName, configs, validateOnly);
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (err) {
    if (err instanceof TopicOperationError) return { errorCode: err.errorCode, errorMessage: err.message };
    throw err;
  }
}

/** Legacy AlterConfigs: the given set replaces every override of the resource. */
export const alterConfigsHandler = defineHandler({
  apiKey: ApiKey.AlterConfigs,
  name: "AlterConfigs",
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const responses = [];
    for (const res of request.resources) {
      const configs: Record<string, string | null> = {};
      let duplicate: TopicOperationError | undefined;
      for (const c of res.configs) {
        if (c.name in configs) duplicate = new TopicOperationError(ErrorCode.INVALID_REQUEST, `Duplicate config ${c.name}`);
        configs[c.name] = c.value;
      }
      const result = await applyTopicConfigs(ctx.broker, res.resourceType, res.resourceName, duplicate ?? configs, request.validateOnly);
      responses.push({ ...result, resourceType: res.resourceType, resourceName: res.resourceName });
    }
    return { throttleTimeMs: 0, responses };
  },
});
