import { readFileSync } from "node:fs";
import { BROKER_CONFIG_DEFS, BROKER_CONFIG_DEFS_BY_NAME, type BrokerConfigDef } from "./broker-config-defs.js";
import { ConfigError } from "./config-error.js";
import { parseConfigValue, type ConfigValue } from "./config-types.js";
import { parseListeners, parseProtocolMap, type ListenerAddress } from "./listeners.js";
import { parseProperties } from "./properties-file.js";

export type ConfigSource = "default" | "file" | "env" | "override";

export interface BrokerConfig {
  nodeId: number;
  processRoles: readonly string[];
  /** null: take the persisted one or generate one at first start. */
  clusterId: string | null;
  /** Listeners serving the Kafka API (controller listeners excluded). */
  listeners: readonly ListenerAddress[];
  /** What Metadata tells clients, by listener name. */
  advertisedListeners: readonly ListenerAddress[];
  controllerListeners: readonly ListenerAddress[];
  controllerQuorumVoters: readonly string[];
  logDirs: readonly string[];
  numPartitions: number;
  defaultReplicationFactor: number;
  autoCreateTopicsEnable: boolean;
  deleteTopicEnable: boolean;
  /** Effective retention from log.retention.ms / .minutes / .hours. */
  logRetentionMs: number;
  /** Effective roll time from log.roll.ms / log.roll.hours. */
  logRollMs: number;
  socketRequestMaxBytes: number;
  maxInFlightRequestsPerConnection: number;
  connectionsMaxIdleMs: number;
  offsetsTopicNumPartitions: number;
  metricsPort: number;
  metricsHost: string;
  logLevel: string;
  /** Every known property by Kafka name after precedence (null: unset). */
  values: ReadonlyMap<string, ConfigValue>;
  /** Where each explicitly set property came from. */
  sources: ReadonlyMap<string, ConfigSource>;
}

export interface LoadBrokerConfigOptions {
  configFile?: string;
  /** "key=value" strings, e.g. from `--override`. */
  overrides?: readonly string[];
  /** Defaults to no environment (callers pass process.env explicitly). */
  env?: NodeJS.ProcessEnv;
}

const ENV_PREFIX = "SAMSA_";

/** Environment name of a property: `log.dirs` → `SAMSA_LOG_DIRS`. */
export function envNameOf(key: string): string {
  return ENV_PREFIX + key.toUpperCase().replace(/[.-]/g, "_");
}
const DEF_BY_ENV_NAME = new Map(BROKER_CONFIG_DEFS.map((d) => [envNameOf(d.name), d]));

/**
 * SAMSA_ variables that belong to other samsa commands (client side) and so
 * are not broker properties; every other SAMSA_ variable must name a property.
 */
export const NON_BROKER_ENV_VARS: ReadonlySet<string> = new Set(["SAMSA_BOOTSTRAP_SERVER", "SAMSA_BOOTSTRAP_SERVERS"]);

export function loadBrokerConfig(options: LoadBrokerConfigOptions = {}): BrokerConfig {
  const raw = new Map<string, { text: string; source: ConfigSource }>();
  if (options.configFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.configFile, "utf8");
    } catch (err) {
      throw new ConfigError("config file", `cannot read ${options.configFile}: ${(err as Error).message}`);
    }
    for (const { key, value, line } of parseProperties(text)) {
      requireDef(key, `${options.configFile}:${line}`);
      raw.set(key, { text: value, source: "file" });
    }
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined || NON_BROKER_ENV_VARS.has(name)) continue;
    const def = DEF_BY_ENV_NAME.get(name);
    if (!def) throw new ConfigError(name, "unknown broker property (environment variable)");
    raw.set(def.name, { text: value, source: "env" });
  }
  for (const entry of options.overrides ?? []) {
    const eq = entry.indexOf("=");
    if (eq <= 0) throw new ConfigError(entry, "override must be key=value");
    const key = entry.slice(0, eq).trim();
    requireDef(key, "--override");
    raw.set(key, { text: entry.slice(eq + 1), source: "override" });
  }

  const values = new Map<string, ConfigValue>();
  const sources = new Map<string, ConfigSource>();
  for (const def of BROKER_CONFIG_DEFS) {
    const given = raw.get(def.name);
    const value = given === undefined ? def.default : parseConfigValue(def.name, def.type, given.text);
    if (given !== undefined) sources.set(def.name, given.source);
    if (value !== null && def.validator) {
      const problem = def.validator.check(value);
      if (problem) throw new ConfigError(def.name, `invalid value '${given?.text ?? String(value)}': ${problem}`);
    }
    values.set(def.name, value);
  }
  return build(values, sources);
}

function requireDef(key: string, where: string): BrokerConfigDef {
  const def = BROKER_CONFIG_DEFS_BY_NAME.get(key);
  if (!def) throw new ConfigError(key, `unknown broker property (${where})`);
  return def;
}

function build(values: Map<string, ConfigValue>, sources: Map<string, ConfigSource>): BrokerConfig {
  const num = (k: string) => values.get(k) as number;
  const numOrNull = (k: string) => values.get(k) as number | null;
  const list = (k: string) => (values.get(k) ?? []) as readonly string[];
  const str = (k: string) => values.get(k) as string | null;

  let nodeId = num("node.id");
  const brokerId = num("broker.id");
  if (brokerId !== -1) {
    if (!sources.has("node.id")) nodeId = brokerId;
    else if (brokerId !== nodeId) throw new ConfigError("broker.id", `${brokerId} differs from node.id ${nodeId}`);
  }

  const protocolMap = parseProtocolMap("listener.security.protocol.map", list("listener.security.protocol.map"));
  const controllerNames = new Set(list("controller.listener.names").map((n) => n.toUpperCase()));
  const all = parseListeners("listeners", list("listeners"), protocolMap);
  const listeners = all.filter((l) => !controllerNames.has(l.name));
  const controllerListeners = all.filter((l) => controllerNames.has(l.name));
  const roles = list("process.roles");
  if (roles.includes("broker") && listeners.length === 0) {
    throw new ConfigError("listeners", "no broker listener (every listener is a controller listener)");
  }
  for (const l of listeners) {
    if (l.securityProtocol !== "PLAINTEXT") {
      throw new ConfigError("listeners", `listener ${l.name} uses ${l.securityProtocol}; only PLAINTEXT is supported`);
    }
  }
  const advertisedRaw = values.get("advertised.listeners") as readonly string[] | null;
  const advertisedListeners =
    advertisedRaw === null ? listeners : parseListeners("advertised.listeners", advertisedRaw, protocolMap);
  for (const a of advertisedListeners) {
    if (!listeners.some((l) => l.name === a.name)) {
      throw new ConfigError("advertised.listeners", `${a.name} is not one of the broker listeners`);
    }
    if (a.host === "0.0.0.0" || a.host === "::") {
      throw new ConfigError("advertised.listeners", `${a.name} advertises the wildcard address ${a.host}`);
    }
  }

  const logDir = str("log.dir");
  const logDirs = sources.has("log.dirs") || logDir === null ? list("log.dirs") : [logDir];

  const retentionMs =
    numOrNull("log.retention.ms") ??
    (numOrNull("log.retention.minutes") !== null ? num("log.retention.minutes") * 60_000 : num("log.retention.hours") * 3_600_000);
  const rollMs = numOrNull("log.roll.ms") ?? num("log.roll.hours") * 3_600_000;

  return {
    nodeId,
    processRoles: roles,
    clusterId: str("cluster.id") || null,
    listeners,
    advertisedListeners,
    controllerListeners,
    controllerQuorumVoters: list("controller.quorum.voters"),
    logDirs,
    numPartitions: num("num.partitions"),
    defaultReplicationFactor: num("default.replication.factor"),
    autoCreateTopicsEnable: values.get("auto.create.topics.enable") as boolean,
    deleteTopicEnable: values.get("delete.topic.enable") as boolean,
    logRetentionMs: retentionMs,
    logRollMs: rollMs,
    socketRequestMaxBytes: num("socket.request.max.bytes"),
    maxInFlightRequestsPerConnection: num("max.in.flight.requests.per.connection"),
    connectionsMaxIdleMs: num("connections.max.idle.ms"),
    offsetsTopicNumPartitions: num("offsets.topic.num.partitions"),
    metricsPort: num("metrics.port"),
    metricsHost: str("metrics.host") ?? "0.0.0.0",
    logLevel: str("log.level") ?? "info",
    values,
    sources,
  };
}
