import { readFile } from "node:fs/promises";
import { Admin, BrokerError, clientApi, type KafkaClient } from "@samsa/client";
import { ApiKey, ErrorCode, errorCodeName } from "@samsa/protocol";
import { UsageError } from "../args.js";
import { formatJsonLine } from "../output.js";
import { formatPlan, generatePlan, parsePlan, parseIdList, type PartitionReplicas } from "./partitions-plan.js";

const alterPartitionReassignmentsApi = clientApi(ApiKey.AlterPartitionReassignments, 0, 0);
const listPartitionReassignmentsApi = clientApi(ApiKey.ListPartitionReassignments, 0, 0);

export type ReassignMode = "generate" | "execute" | "verify" | "cancel";

export interface ReassignOptions {
  mode: ReassignMode;
  topics?: string;
  brokers?: string;
  file?: string;
  json: boolean;
  timeoutMs: number;
}

/** What a run printed and whether it succeeded (verify: every reassignment finished as planned). */
export interface ReassignOutcome {
  text: string;
  ok: boolean;
}

type PartitionStatus = "completed" | "in-progress" | "mismatch";

export async function runReassign(client: KafkaClient, options: ReassignOptions): Promise<ReassignOutcome> {
  const admin = new Admin(client, { timeoutMs: options.timeoutMs });
  if (options.mode === "generate") {
    if (options.topics === undefined || options.brokers === undefined) throw new UsageError("--generate needs --topics and --brokers");
    const topics = options.topics.split(",").map((t) => t.trim()).filter((t) => t !== "");
    if (topics.length === 0) throw new UsageError("--topics needs a comma-separated list of topic names");
    const current = await currentReplicas(admin, topics);
    const proposed = generatePlan(current, parseIdList(options.brokers, "brokers"));
    const text = options.json
      ? formatJsonLine({ current: JSON.parse(formatPlan(current)), proposed: JSON.parse(formatPlan(proposed)) })
      : `Current partition replica assignment\n${formatPlan(current)}\n\nProposed partition reassignment configuration\n${formatPlan(proposed)}\n`;
    return { text, ok: true };
  }
  if (options.file === undefined) throw new UsageError(`--${options.mode} needs --reassignment-json-file`);
  const plan = parsePlan(await readFile(options.file, "utf8").catch((err: Error) => {
    throw new UsageError(`cannot read ${options.file}: ${err.message}`);
  }), options.file);
  switch (options.mode) {
    case "execute": {
      const topics = [...new Set(plan.partitions.map((p) => p.topic))];
      const current = (await currentReplicas(admin, topics)).filter((c) => plan.partitions.some((p) => p.topic === c.topic && p.partition === c.partition));
      await alter(client, plan.partitions.map((p) => ({ ...p, replicas: p.replicas as number[] | null })));
      const names = plan.partitions.map((p) => `${p.topic}-${p.partition}`).join(",");
      const text = options.json
        ? formatJsonLine({ started: plan.partitions.map(({ topic, partition }) => ({ topic, partition })), rollback: JSON.parse(formatPlan(current)) })
        : `Current partition replica assignment\n\n${formatPlan(current)}\n\nSave this to use as the --reassignment-json-file option during rollback\nSuccessfully started partition reassignments for ${names}\n`;
      return { text, ok: true };
    }
    case "cancel": {
      const ongoing = await listOngoing(client, plan.partitions);
      const cancelling = plan.partitions.filter((p) => ongoing.has(`${p.topic}-${p.partition}`));
      if (cancelling.length > 0) await alter(client, cancelling.map((p) => ({ ...p, replicas: null })));
      const names = cancelling.map((p) => `${p.topic}-${p.partition}`).join(",");
      const text = options.json
        ? formatJsonLine({ cancelled: cancelling.map(({ topic, partition }) => ({ topic, partition })) })
        : cancelling.length > 0
          ? `Successfully cancelled partition reassignments for: ${names}\n`
          : "None of the specified partition reassignments are active.\n";
      return { text, ok: true };
    }
    case "verify": {
      const ongoing = await listOngoing(client, plan.partitions);
      const topics = [...new Set(plan.partitions.map((p) => p.topic))];
      const current = new Map((await currentReplicas(admin, topics)).map((c) => [`${c.topic}-${c.partition}`, c.replicas]));
      const rows = plan.partitions.map((p) => {
        const key = `${p.topic}-${p.partition}`;
        const replicas = current.get(key) ?? [];
        const status: PartitionStatus = ongoing.has(key) ? "in-progress" : replicas.join() === p.replicas.join() ? "completed" : "mismatch";
        return { topic: p.topic, partition: p.partition, status, target: p.replicas, replicas };
      });
      const ok = rows.every((r) => r.status === "completed");
      const line = (r: (typeof rows)[number]) =>
        r.status === "in-progress"
          ? `Reassignment of partition ${r.topic}-${r.partition} is still in progress.`
          : r.status === "completed"
            ? `Reassignment of partition ${r.topic}-${r.partition} is completed.`
            : `There is no active reassignment of partition ${r.topic}-${r.partition}, but replica set is [${r.replicas.join(",")}] rather than [${r.target.join(",")}].`;
      const text = options.json ? formatJsonLine({ complete: ok, partitions: rows }) : `Status of partition reassignment:\n${rows.map(line).join("\n")}\n`;
      return { text, ok };
    }
  }
}

async function currentReplicas(admin: Admin, topics: readonly string[]): Promise<PartitionReplicas[]> {
  const described = await admin.describeTopics(topics);
  return described.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition, replicas: [...p.replicas] })));
}

/** Sends one AlterPartitionReassignments; any partition refused fails the command with its Kafka error. */
async function alter(client: KafkaClient, partitions: readonly { topic: string; partition: number; replicas: number[] | null }[]): Promise<void> {
  const byTopic = new Map<string, { partitionIndex: number; replicas: number[] | null }[]>();
  for (const p of partitions) {
    const list = byTopic.get(p.topic) ?? [];
    list.push({ partitionIndex: p.partition, replicas: p.replicas });
    byTopic.set(p.topic, list);
  }
  const res = await client.withRetries("AlterPartitionReassignments", async () => {
    const r = await client.call(await client.controllerConnection(), alterPartitionReassignmentsApi, {
      timeoutMs: 30_000,
      topics: [...byTopic].map(([name, parts]) => ({ name, partitions: parts })),
    });
    if (r.errorCode !== ErrorCode.NONE) throw BrokerError.fromCode(r.errorCode, "AlterPartitionReassignments", r.errorMessage);
    return r;
  });
  const failed = res.responses.flatMap((t) => t.partitions.filter((p) => p.errorCode !== ErrorCode.NONE).map((p) => ({ ...p, topic: t.name })));
  if (failed.length === 0) return;
  const detail = failed.map((p) => `${p.topic}-${p.partitionIndex}: ${errorCodeName(p.errorCode)}${p.errorMessage ? ` (${p.errorMessage})` : ""}`).join("; ");
  throw BrokerError.fromCode(failed[0]!.errorCode, "reassignment refused", detail);
}

/** Keys (`topic-partition`) of the listed partitions whose reassignment is in progress. */
async function listOngoing(client: KafkaClient, partitions: readonly PartitionReplicas[]): Promise<Set<string>> {
  const byTopic = new Map<string, number[]>();
  for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
  const res = await client.withRetries("ListPartitionReassignments", async () => {
    const r = await client.call(await client.controllerConnection(), listPartitionReassignmentsApi, {
      timeoutMs: 30_000,
      topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
    });
    if (r.errorCode !== ErrorCode.NONE) throw BrokerError.fromCode(r.errorCode, "ListPartitionReassignments", r.errorMessage);
    return r;
  });
  return new Set(res.topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}`)));
}
