import { readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCode } from "@samsa/protocol";
import type { ControllerApi } from "@samsa/raft-controller";
import type { Logger } from "pino";

/** The single-node metadata file of earlier versions, replaced by the metadata log. */
export const LEGACY_METADATA_FILE_NAME = "__samsa-metadata.json";

export interface LegacyMetadata {
  readonly clusterId: string;
  readonly nodeId: number;
  readonly topics: readonly { readonly name: string; readonly partitionCount: number; readonly configs: Readonly<Record<string, string>> }[];
}

/** A legacy metadata file that cannot be imported (unreadable, or another node's). */
export class LegacyMetadataError extends Error {
  readonly code = "LEGACY_METADATA";
  override name = "LegacyMetadataError";
}

export async function readLegacyMetadata(dir: string): Promise<LegacyMetadata | null> {
  const path = join(dir, LEGACY_METADATA_FILE_NAME);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  let parsed: LegacyMetadata & { version?: number };
  try {
    parsed = JSON.parse(text) as LegacyMetadata & { version?: number };
  } catch (err) {
    throw new LegacyMetadataError(`${path} is not valid JSON (${(err as Error).message}); fix or remove it`);
  }
  if (parsed.version !== 1 || typeof parsed.clusterId !== "string" || !Array.isArray(parsed.topics)) {
    throw new LegacyMetadataError(`${path} has an unknown format; fix or remove it`);
  }
  return parsed;
}

/**
 * Imports the topics of a legacy metadata file once, through the controller (every
 * partition on this broker, as before), then renames the file `.migrated`. Topics
 * that already exist are left alone, so an import interrupted by a crash is resumed.
 */
export async function importLegacyMetadata(dir: string, nodeId: number, controller: ControllerApi, logger: Logger): Promise<void> {
  const legacy = await readLegacyMetadata(dir);
  if (!legacy) return;
  if (legacy.nodeId !== nodeId) throw new LegacyMetadataError(`${join(dir, LEGACY_METADATA_FILE_NAME)} belongs to node ${legacy.nodeId}, not node.id ${nodeId}`);
  const topics = legacy.topics.map((t) => ({
    name: t.name,
    numPartitions: -1,
    replicationFactor: -1,
    assignments: Array.from({ length: t.partitionCount }, () => [nodeId]),
    configs: { ...t.configs },
  }));
  if (topics.length > 0) {
    const results = await controller.createTopics({ topics });
    const failed = results.filter((r) => r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS);
    if (failed.length > 0) throw new LegacyMetadataError(`importing ${LEGACY_METADATA_FILE_NAME} failed for ${failed.map((f) => `${f.name} (${f.errorMessage})`).join(", ")}`);
  }
  const path = join(dir, LEGACY_METADATA_FILE_NAME);
  await rename(path, `${path}.migrated`);
  logger.info({ topics: topics.map((t) => t.name) }, "imported the topics of the pre-quorum metadata file into the metadata log");
}
