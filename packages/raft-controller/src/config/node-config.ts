import type { NodeId } from "../raft/types.js";

/** A configuration the node cannot start with; `key` names the offending property. */
export class MetadataConfigError extends Error {
  readonly code = "INVALID_METADATA_CONFIG";
  constructor(readonly key: string, reason: string) {
    super(`invalid ${key}: ${reason}`);
    this.name = "MetadataConfigError";
  }
}

export interface VoterAddress {
  readonly id: NodeId;
  readonly host: string;
  readonly port: number;
}

export type ProcessRole = "broker" | "controller";

/**
 * Parses `controller.quorum.voters`: `1@host:9093,2@[::1]:9094`. Ids are unique
 * non-negative integers; ports 1-65535.
 */
export function parseQuorumVoters(value: string): Map<NodeId, VoterAddress> {
  const key = "controller.quorum.voters";
  const voters = new Map<NodeId, VoterAddress>();
  const parts = value.split(",").map((p) => p.trim()).filter((p) => p.length > 0);
  if (parts.length === 0) throw new MetadataConfigError(key, "no voters listed (expected id@host:port,...)");
  for (const part of parts) {
    const match = /^(\d+)@(\[[^\]]+\]|[^:@\s]+):(\d+)$/.exec(part);
    if (!match) throw new MetadataConfigError(key, `${JSON.stringify(part)} is not id@host:port`);
    const id = Number(match[1]);
    const host = match[2]!.startsWith("[") ? match[2]!.slice(1, -1) : match[2]!;
    const port = Number(match[3]);
    if (!Number.isSafeInteger(id) || id < 0 || id > 0x7fffffff) throw new MetadataConfigError(key, `voter id ${match[1]} is out of range`);
    if (port < 1 || port > 65535) throw new MetadataConfigError(key, `port ${port} of voter ${id} is out of range`);
    if (voters.has(id)) throw new MetadataConfigError(key, `voter id ${id} appears twice`);
    voters.set(id, { id, host, port });
  }
  return voters;
}

/** Parses `process.roles`: `broker`, `controller` or both, comma separated. */
export function parseProcessRoles(value: string): Set<ProcessRole> {
  const key = "process.roles";
  const roles = new Set<ProcessRole>();
  for (const raw of value.split(",").map((r) => r.trim()).filter((r) => r.length > 0)) {
    if (raw !== "broker" && raw !== "controller") throw new MetadataConfigError(key, `unknown role ${JSON.stringify(raw)} (expected broker and/or controller)`);
    if (roles.has(raw)) throw new MetadataConfigError(key, `role ${raw} listed twice`);
    roles.add(raw);
  }
  if (roles.size === 0) throw new MetadataConfigError(key, "no role given");
  return roles;
}

/** Parses `controller.listener.names` (comma separated, at least one; the first is used). */
export function parseControllerListenerNames(value: string): string[] {
  const names = value.split(",").map((n) => n.trim()).filter((n) => n.length > 0);
  if (names.length === 0) throw new MetadataConfigError("controller.listener.names", "no listener name given");
  for (const name of names) if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new MetadataConfigError("controller.listener.names", `invalid listener name ${JSON.stringify(name)}`);
  if (new Set(names).size !== names.length) throw new MetadataConfigError("controller.listener.names", "duplicate listener name");
  return names;
}

export interface MetadataNodeConfigInput {
  readonly nodeId: NodeId;
  readonly roles: ReadonlySet<ProcessRole>;
  readonly voters: ReadonlyMap<NodeId, VoterAddress>;
  /** Names of all listeners the node declares (`listeners`), to check the controller listener exists. */
  readonly listenerNames?: readonly string[];
  readonly controllerListenerNames?: readonly string[];
  readonly clusterId: string;
}

/** Cross-property checks KRaft makes at startup. */
export function validateMetadataNodeConfig(config: MetadataNodeConfigInput): void {
  if (!Number.isSafeInteger(config.nodeId) || config.nodeId < 0) throw new MetadataConfigError("node.id", `${config.nodeId} is not a non-negative integer`);
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(config.clusterId) && !/^[A-Za-z0-9._-]{1,64}$/.test(config.clusterId)) {
    throw new MetadataConfigError("cluster.id", `${JSON.stringify(config.clusterId)} is not a valid cluster id`);
  }
  const isVoter = config.voters.has(config.nodeId);
  if (config.roles.has("controller") && !isVoter) {
    throw new MetadataConfigError("controller.quorum.voters", `node ${config.nodeId} has the controller role but is not listed as a voter`);
  }
  if (!config.roles.has("controller") && isVoter) {
    throw new MetadataConfigError("process.roles", `node ${config.nodeId} is a voter in controller.quorum.voters but lacks the controller role`);
  }
  if (config.roles.has("controller") && config.listenerNames && config.controllerListenerNames) {
    const missing = config.controllerListenerNames.filter((n) => !config.listenerNames!.includes(n));
    if (missing.length === config.controllerListenerNames.length) {
      throw new MetadataConfigError("controller.listener.names", `none of ${config.controllerListenerNames.join(",")} is declared in listeners`);
    }
  }
}
