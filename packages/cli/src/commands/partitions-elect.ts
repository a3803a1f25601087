import { BrokerError, clientApi, type KafkaClient } from "@samsa/client";
import { ApiKey, ErrorCode, errorCodeName } from "@samsa/protocol";
import { UsageError } from "../args.js";
import { formatJsonLine } from "../output.js";

const electLeadersApi = clientApi(ApiKey.ElectLeaders, 1, 2);

export const ELECTION_TYPES = { preferred: 0, unclean: 1 } as const;
export type ElectionTypeName = keyof typeof ELECTION_TYPES;

export interface ElectOptions {
  type: ElectionTypeName;
  topic?: string;
  partition?: number;
  json: boolean;
}

export interface ElectionRow {
  topic: string;
  partition: number;
  /** "elected", "not-needed", or the Kafka error name. */
  result: string;
  errorCode: number;
  message: string | null;
}

/**
 * ElectLeaders for one partition, every partition of a topic, or the whole
 * cluster (no --topic), as kafka-leader-election.sh does. Fails (ok: false)
 * when an election was refused for another reason than "not needed".
 */
export async function runElectLeaders(client: KafkaClient, options: ElectOptions): Promise<{ text: string; ok: boolean }> {
  if (options.partition !== undefined && options.topic === undefined) throw new UsageError("--partition needs --topic");
  if (options.partition !== undefined && (!Number.isInteger(options.partition) || options.partition < 0)) throw new UsageError(`--partition must be a non-negative integer, got ${options.partition}`);
  let topicPartitions: { topic: string; partitions: number[] }[] | null = null;
  if (options.topic !== undefined) {
    const partitions = options.partition !== undefined ? [options.partition] : (await client.topic(options.topic, { refresh: true })).partitions.map((p) => p.partition);
    topicPartitions = [{ topic: options.topic, partitions }];
  }
  const res = await client.withRetries("ElectLeaders", async () => {
    const r = await client.call(await client.controllerConnection(), electLeadersApi, { electionType: ELECTION_TYPES[options.type], topicPartitions, timeoutMs: 30_000 });
    if ((r.errorCode ?? ErrorCode.NONE) !== ErrorCode.NONE) throw BrokerError.fromCode(r.errorCode!, "ElectLeaders");
    return r;
  });
  const rows: ElectionRow[] = res.replicaElectionResults
    .flatMap((t) =>
      t.partitionResult.map((p) => ({
        topic: t.topic,
        partition: p.partitionId,
        result: p.errorCode === ErrorCode.NONE ? "elected" : p.errorCode === ErrorCode.ELECTION_NOT_NEEDED ? "not-needed" : errorCodeName(p.errorCode),
        errorCode: p.errorCode,
        message: p.errorMessage,
      })),
    )
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const ok = rows.every((r) => r.errorCode === ErrorCode.NONE || r.errorCode === ErrorCode.ELECTION_NOT_NEEDED);
  return { text: options.json ? formatJsonLine(rows) : formatElection(options.type, rows), ok };
}

function formatElection(type: ElectionTypeName, rows: readonly ElectionRow[]): string {
  const label = type.toUpperCase();
  const names = (result: string) => rows.filter((r) => r.result === result).map((r) => `${r.topic}-${r.partition}`);
  const lines: string[] = [];
  const elected = names("elected");
  const notNeeded = names("not-needed");
  if (elected.length > 0) lines.push(`Successfully completed leader election (${label}) for partitions ${elected.join(", ")}`);
  if (notNeeded.length > 0) lines.push(`Valid replica already elected for partitions ${notNeeded.join(", ")}`);
  for (const r of rows.filter((row) => row.result !== "elected" && row.result !== "not-needed")) {
    lines.push(`Error completing leader election (${label}) for partition: ${r.topic}-${r.partition}: ${r.result}${r.message ? ` (${r.message})` : ""}`);
  }
  if (lines.length === 0) lines.push(`No partition needed a leader election (${label}).`);
  return lines.join("\n") + "\n";
}
