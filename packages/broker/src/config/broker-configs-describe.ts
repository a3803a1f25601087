import type { BrokerConfig } from "./broker-config.js";
import { BROKER_CONFIG_DEFS } from "./broker-config-defs.js";
import { formatConfigValue } from "./config-types.js";
import { ConfigSourceCode, type ResolvedConfig } from "./topic-configs.js";

/** Broker properties with their values and sources, for DescribeConfigs on a BROKER resource. */
export function resolveBrokerConfigs(config: BrokerConfig): ResolvedConfig[] {
  return BROKER_CONFIG_DEFS.map((def) => {
    const set = config.sources.has(def.name);
    const sensitive = def.type === "password";
    const value = sensitive ? null : formatConfigValue(def.type, config.values.get(def.name) ?? null);
    const source = set ? ConfigSourceCode.STATIC_BROKER_CONFIG : ConfigSourceCode.DEFAULT_CONFIG;
    const synonyms: ResolvedConfig["synonyms"] = [];
    if (set) synonyms.push({ name: def.name, value, source: ConfigSourceCode.STATIC_BROKER_CONFIG });
    synonyms.push({ name: def.name, value: sensitive ? null : formatConfigValue(def.type, def.default), source: ConfigSourceCode.DEFAULT_CONFIG });
    return { name: def.name, value, source, type: def.type, sensitive, readOnly: !def.dynamic, doc: def.doc, synonyms };
  });
}
