import { randomBytes } from "node:crypto";

/**
 * `meta.properties` (KRaft, version 1): a Java properties file naming the node,
 * the cluster and the directory. Written once per log dir, checked on every
 * start so a directory cannot silently move between nodes or clusters.
 */
export interface MetaProperties {
  version: number;
  nodeId: number;
  clusterId?: string;
  directoryId: string;
}

export class MetaPropertiesFormatError extends Error {
  readonly code = "META_PROPERTIES_FORMAT";
}

/** A random directory id: 16 bytes, base64url without padding (Kafka's Uuid text form). */
export function newDirectoryId(): string {
  return randomBytes(16).toString("base64url");
}

export function serializeMetaProperties(meta: MetaProperties, now = new Date()): Buffer {
  const lines = [
    "#",
    `#${now.toUTCString()}`,
    ...(meta.clusterId !== undefined ? [`cluster.id=${meta.clusterId}`] : []),
    `directory.id=${meta.directoryId}`,
    `node.id=${meta.nodeId}`,
    `version=${meta.version}`,
  ];
  return Buffer.from(lines.join("\n") + "\n", "utf8");
}

export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const eq = line.search(/[=:]/);
    if (eq <= 0) throw new MetaPropertiesFormatError(`not a key=value line: ${JSON.stringify(line)}`);
    out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return out;
}

export function parseMetaProperties(text: string): MetaProperties {
  const props = parseProperties(text);
  const version = props.get("version");
  const nodeId = props.get("node.id");
  const directoryId = props.get("directory.id");
  if (version !== "1") throw new MetaPropertiesFormatError(`unsupported version ${JSON.stringify(version)}`);
  if (nodeId === undefined || !/^\d+$/.test(nodeId)) throw new MetaPropertiesFormatError(`bad node.id ${JSON.stringify(nodeId)}`);
  if (directoryId === undefined || directoryId === "") throw new MetaPropertiesFormatError("missing directory.id");
  const clusterId = props.get("cluster.id");
  return { version: 1, nodeId: Number(nodeId), directoryId, ...(clusterId !== undefined ? { clusterId } : {}) };
}
