import type { BrokerConfig } from "./broker-config.js";
import { formatConfigValue, parseConfigValue, type ConfigType, type ConfigValue } from "./config-types.js";
import { ConfigError } from "./config-error.js";
import { TOPIC_CONFIG_DEFS, TOPIC_CONFIG_DEFS_BY_NAME } from "./topic-config-defs.js";

/** DescribeConfigs ConfigSource codes. */
export const ConfigSourceCode = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

/** DescribeConfigs ConfigType codes (v3+). */
export const ConfigTypeCode: Record<ConfigType, number> = {
  boolean: 1,
  string: 2,
  int: 3,
  long: 5,
  double: 6,
  list: 7,
  password: 9,
};

export interface ResolvedConfig {
  name: string;
  value: string | null;
  source: number;
  type: ConfigType;
  sensitive: boolean;
  readOnly: boolean;
  doc: string;
  /** Other sources below the winning one, most specific first (DescribeConfigs synonyms). */
  synonyms: Array<{ name: string; value: string | null; source: number }>;
}

/** Topic config entries were rejected; maps to INVALID_CONFIG (40). */
export class InvalidTopicConfigError extends ConfigError {
  readonly errorCode = 40;
}

/**
 * Checks topic-level overrides (name → text) and returns them normalised.
 * Unknown names and invalid values raise InvalidTopicConfigError.
 */
export function validateTopicConfigs(overrides: Readonly<Record<string, string | null>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(overrides)) {
    if (text === null) continue;
    const def = TOPIC_CONFIG_DEFS_BY_NAME.get(name);
    if (!def) throw new InvalidTopicConfigError(name, "unknown topic config");
    let value: ConfigValue;
    try {
      value = parseConfigValue(name, def.type, text);
    } catch (err) {
      throw new InvalidTopicConfigError(name, (err as Error).message);
    }
    const problem = def.validator?.check(value);
    if (problem) throw new InvalidTopicConfigError(name, `invalid value '${text}': ${problem}`);
    if (name === "remote.storage.enable" && value === true) {
      throw new InvalidTopicConfigError(name, "tiered storage is not supported");
    }
    out[name] = formatConfigValue(def.type, value) ?? "";
  }
  return out;
}

/** The broker-level default of every topic config and where it comes from. */
export function topicConfigDefaults(broker: BrokerConfig): Map<string, { value: ConfigValue; source: number; brokerKey?: string }> {
  const out = new Map<string, { value: ConfigValue; source: number; brokerKey?: string }>();
  for (const def of TOPIC_CONFIG_DEFS) {
    let value: ConfigValue = def.default;
    let source: number = ConfigSourceCode.DEFAULT_CONFIG;
    if (def.brokerKey) {
      const set = broker.sources.has(def.brokerKey);
      const brokerValue = broker.values.get(def.brokerKey);
      if (def.name === "retention.ms") value = broker.logRetentionMs;
      else if (def.name === "segment.ms") value = broker.logRollMs;
      else if (brokerValue !== null && brokerValue !== undefined) value = brokerValue;
      const derivedSet =
        (def.name === "retention.ms" && ["log.retention.minutes", "log.retention.hours"].some((k) => broker.sources.has(k))) ||
        (def.name === "segment.ms" && broker.sources.has("log.roll.hours"));
      if (set || derivedSet) source = ConfigSourceCode.STATIC_BROKER_CONFIG;
    }
    out.set(def.name, def.brokerKey ? { value, source, brokerKey: def.brokerKey } : { value, source });
  }
  return out;
}

/** Every topic config with its effective value and source, for DescribeConfigs. */
export function resolveTopicConfigs(broker: BrokerConfig, overrides: Readonly<Record<string, string>>): ResolvedConfig[] {
  const defaults = topicConfigDefaults(broker);
  return TOPIC_CONFIG_DEFS.map((def) => {
    const base = defaults.get(def.name)!;
    const baseText = formatConfigValue(def.type, base.value);
    const synonyms: ResolvedConfig["synonyms"] = [];
    const override = overrides[def.name];
    if (override !== undefined) synonyms.push({ name: def.name, value: override, source: ConfigSourceCode.TOPIC_CONFIG });
    if (base.source === ConfigSourceCode.STATIC_BROKER_CONFIG && base.brokerKey) {
      synonyms.push({ name: base.brokerKey, value: baseText, source: ConfigSourceCode.STATIC_BROKER_CONFIG });
    }
    synonyms.push({ name: base.brokerKey ?? def.name, value: formatConfigValue(def.type, def.default), source: ConfigSourceCode.DEFAULT_CONFIG });
    return {
      name: def.name,
      value: override ?? baseText,
      source: override !== undefined ? ConfigSourceCode.TOPIC_CONFIG : base.source,
      type: def.type,
      sensitive: false,
      readOnly: false,
      doc: def.doc,
      synonyms,
    };
  });
}

/** Effective typed value of one topic config (overrides over broker defaults). */
export function effectiveTopicConfig(broker: BrokerConfig, overrides: Readonly<Record<string, string>>): Map<string, ConfigValue> {
  const defaults = topicConfigDefaults(broker);
  const out = new Map<string, ConfigValue>();
  for (const def of TOPIC_CONFIG_DEFS) {
    const text = overrides[def.name];
    out.set(def.name, text !== undefined ? parseConfigValue(def.name, def.type, text) : defaults.get(def.name)!.value);
  }
  return out;
}
