import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { MetadataConfigError, parseProcessRoles, parseQuorumVoters, type ProcessRole, type RaftTiming, type VoterAddress } from "@samsa/raft-controller";
import { META_PROPERTIES, parseMetaProperties } from "@samsa/storage";
import type { BrokerConfig } from "../config/broker-config.js";
import { ConfigError } from "../config/config-error.js";
import { readLegacyMetadata } from "./legacy-metadata.js";
import { newTopicId } from "./topic-id.js";

/** Host of the controller listener added when a single node declares none. */
export const INTERNAL_CONTROLLER_HOST = "127.0.0.1";
/** A one-voter quorum has no rival: it campaigns after this instead of the election timeout. */
export const SINGLE_VOTER_ELECTION_TIMEOUT_MS = 50;

/** How this process takes part in the metadata quorum, derived from the broker config. */
export interface QuorumSettings {
  readonly roles: ReadonlySet<ProcessRole>;
  readonly voters: ReadonlyMap<number, VoterAddress>;
  /** Where this node's controller listens (controller role), else null. */
  readonly controllerListener: { readonly host: string; readonly port: number } | null;
  /** True when controller.quorum.voters was not given: a one-voter quorum of this node. */
  readonly singleNode: boolean;
  readonly raft: Partial<RaftTiming>;
}

/**
 * Reads process.roles, controller.quorum.voters and the CONTROLLER listener.
 * Without voters (the single-node default) the node is the only voter, at its
 * CONTROLLER listener, or, when none is declared, at an internal listener on
 * 127.0.0.1 and a free port chosen at each start (nothing outside the process uses it).
 */
export async function resolveQuorumSettings(config: BrokerConfig): Promise<QuorumSettings> {
  let roles: Set<ProcessRole>;
  try {
    roles = parseProcessRoles(config.processRoles.join(","));
  } catch (err) {
    throw asConfigError(err);
  }
  const declared = config.controllerListeners[0];
  const electionTimeoutMs = config.values.get("controller.quorum.election.timeout.ms") as number;
  const fetchTimeoutMs = config.values.get("controller.quorum.fetch.timeout.ms") as number;
  if (config.controllerQuorumVoters.length === 0) {
    if (!roles.has("controller")) {
      throw new ConfigError("controller.quorum.voters", "a node without the controller role must list the controller quorum voters (id@host:port,...)");
    }
    const host = declared && declared.host !== "" ? declared.host : INTERNAL_CONTROLLER_HOST;
    const port = declared && declared.port !== 0 ? declared.port : await findFreePort(host);
    const voters = new Map([[config.nodeId, { id: config.nodeId, host, port }]]);
    return {
      roles,
      voters,
      controllerListener: { host: declared?.host === "" ? "0.0.0.0" : host, port },
      singleNode: true,
      raft: { electionTimeoutMs: SINGLE_VOTER_ELECTION_TIMEOUT_MS, electionJitterMs: 0, fetchTimeoutMs },
    };
  }
  let voters: Map<number, VoterAddress>;
  try {
    voters = parseQuorumVoters(config.controllerQuorumVoters.join(","));
  } catch (err) {
    throw asConfigError(err);
  }
  let controllerListener: QuorumSettings["controllerListener"] = null;
  if (roles.has("controller")) {
    const own = voters.get(config.nodeId);
    if (!own) throw new ConfigError("controller.quorum.voters", `node ${config.nodeId} has the controller role but is not listed as a voter`);
    if (!declared) throw new ConfigError("listeners", `the controller role needs a listener named in controller.listener.names (e.g. CONTROLLER://:${own.port})`);
    controllerListener = { host: declared.host === "" ? "0.0.0.0" : declared.host, port: declared.port === 0 ? own.port : declared.port };
  }
  const single = voters.size === 1 && roles.has("controller");
  return {
    roles,
    voters,
    controllerListener,
    singleNode: single,
    raft: single ? { electionTimeoutMs: SINGLE_VOTER_ELECTION_TIMEOUT_MS, electionJitterMs: 0, fetchTimeoutMs } : { electionTimeoutMs, electionJitterMs: electionTimeoutMs, fetchTimeoutMs },
  };
}

/**
 * cluster.id: the configured one, else the one in the first log dir's
 * meta.properties (or a pre-quorum metadata file), else, for a one-voter quorum,
 * a new random one. Nodes of a multi-node quorum must be given the same id.
 */
export async function resolveClusterId(config: BrokerConfig, singleNode: boolean): Promise<string> {
  if (config.clusterId !== null) return config.clusterId;
  const dir = config.logDirs[0]!;
  try {
    const meta = parseMetaProperties(await readFile(join(dir, META_PROPERTIES), "utf8"));
    if (meta.clusterId !== undefined) return meta.clusterId;
  } catch {
    // Missing or unreadable: the storage layer reports and rewrites it when it opens the dir.
  }
  const legacy = await readLegacyMetadata(dir);
  if (legacy) return legacy.clusterId;
  if (!singleNode) throw new ConfigError("cluster.id", "a node of a multi-node quorum needs cluster.id (the same on every node) on its first start");
  return newTopicId();
}

function asConfigError(err: unknown): unknown {
  return err instanceof MetadataConfigError ? new ConfigError(err.key, err.message.replace(/^invalid [^:]+: /, "")) : err;
}

function findFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * How often the active controller elects preferred leaders where they are
 * not leading: leader.imbalance.check.interval.seconds, or 0 (never) with
 * auto.leader.rebalance.enable=false.
 */
export function leaderImbalanceCheckIntervalMs(config: BrokerConfig): number {
  if (config.values.get("auto.leader.rebalance.enable") === false) return 0;
  return (config.values.get("leader.imbalance.check.interval.seconds") as number) * 1000;
}
