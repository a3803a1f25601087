import { ApiKey, ErrorCode } from "@samsa/protocol";
import { TOPIC_CONFIG_DEFS_BY_NAME } from "../config/topic-config-defs.js";
import { topicConfigDefaults } from "../config/topic-configs.js";
import { formatConfigValue } from "../config/config-types.js";
import { TopicOperationError } from "../metadata/topic-manager.js";
import { applyTopicConfigs } from "./alter-configs.js";
import { ConfigOperation, ConfigResourceType } from "./config-resources.js";
import { defineHandler } from "./handler.js";

export const incrementalAlterConfigsHandler = defineHandler({
  apiKey: ApiKey.IncrementalAlterConfigs,
  name: "IncrementalAlterConfigs",
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, request) {
    const broker = ctx.broker;
    const responses = [];
    for (const res of request.resources) {
      const current = res.resourceType === ConfigResourceType.TOPIC ? broker.metadata.topic(res.resourceName)?.configs : undefined;
      let next: Record<string, string | null> | TopicOperationError = { ...(current ?? {}) };
      const seen = new Set<string>();
      for (const c of res.configs) {
        if (next instanceof TopicOperationError) break;
        if (seen.has(c.name)) {
          next = new TopicOperationError(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys: ${c.name}`);
          break;
        }
        seen.add(c.name);
        const def = TOPIC_CONFIG_DEFS_BY_NAME.get(c.name);
        switch (c.configOperation) {
          case ConfigOperation.SET:
            next[c.name] = c.value;
            break;
          case ConfigOperation.DELETE:
            delete next[c.name];
            break;
          case ConfigOperation.APPEND:
          case ConfigOperation.SUBTRACT: {
            if (!def || def.type !== "list") {
              next = new TopicOperationError(ErrorCode.INVALID_CONFIG, `Config value append/subtract is not allowed for config key ${c.name}`);
              break;
            }
            const base = next[c.name] ?? formatConfigValue("list", topicConfigDefaults(broker.config).get(c.name)!.value) ?? "";
            const items = base === "" ? [] : base.split(",").map((s) => s.trim());
            const given = (c.value ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
            const result = c.configOperation === ConfigOperation.APPEND ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((i) => !given.includes(i));
            next[c.name] = result.join(",");
            break;
          }
          default:
            next = new TopicOperationError(ErrorCode.INVALID_REQUEST, `Unknown config operation ${c.configOperation}`);
        }
      }
      const result = await applyTopicConfigs(broker, res.resourceType, res.resourceName, next, request.validateOnly);
      responses.push({ ...result, resourceType: res.resourceType, resourceName: res.resourceName });
    }
    return { throttleTimeMs: 0, responses };
  },
});
