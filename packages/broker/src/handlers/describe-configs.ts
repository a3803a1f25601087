import { ApiKey, ErrorCode, type DescribeConfigsResponseDescribeConfigsResult } from "@samsa/protocol";
import type { BrokerContext } from "../broker-context.js";
import { resolveBrokerConfigs } from "../config/broker-configs-describe.js";
import { ConfigSourceCode, ConfigTypeCode, resolveTopicConfigs, type ResolvedConfig } from "../config/topic-configs.js";
import { ConfigResourceType } from "./config-resources.js";
import { defineHandler } from "./handler.js";

function configsOf(broker: BrokerContext, resourceType: number, resourceName: string): ResolvedConfig[] | { errorCode: number; errorMessage: string } {
  if (resourceType === ConfigResourceType.TOPIC) {
    const topic = broker.metadata.topic(resourceName);
    if (!topic) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${resourceName} does not exist.` };
    return resolveTopicConfigs(broker.config, topic.configs);
  }
  if (resourceType === ConfigResourceType.BROKER) {
    // "" names the cluster-wide dynamic defaults, of which there are none.
    if (resourceName === "") return [];
    if (resourceName !== String(broker.nodeId)) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${broker.nodeId} but received ${resourceName}` };
    }
    return resolveBrokerConfigs(broker.config);
  }
  if (resourceType === ConfigResourceType.BROKER_LOGGER) return [];
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${resourceType}` };
}

export const describeConfigsHandler = defineHandler({
  apiKey: ApiKey.DescribeConfigs,
  name: "DescribeConfigs",
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, request, version) {
    const results: DescribeConfigsResponseDescribeConfigsResult[] = request.resources.map((res) => {
      const found = configsOf(ctx.broker, res.resourceType, res.resourceName);
      if (!Array.isArray(found)) {
        return { ...found, resourceType: res.resourceType, resourceName: res.resourceName, configs: [] };
      }
      const keys = res.configurationKeys === null ? null : new Set(res.configurationKeys);
      const configs = found
        .filter((c) => keys === null || keys.has(c.name))
        .map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          isDefault: c.source === ConfigSourceCode.DEFAULT_CONFIG,
          configSource: c.source,
          isSensitive: c.sensitive,
          synonyms: version >= 1 && request.includeSynonyms ? c.synonyms : [],
          configType: ConfigTypeCode[c.type],
          documentation: request.includeDocumentation ? c.doc : null,
        }));
      return { errorCode: ErrorCode.NONE, errorMessage: null, resourceType: res.resourceType, resourceName: res.resourceName, configs };
    });
    return { throttleTimeMs: 0, results };
  },
});
