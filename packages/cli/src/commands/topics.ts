import type { AlterConfigOp, ResourceConfigs, TopicDescription } from "@samsa/client";
import type { Argv } from "yargs";
import { asStringList, parseKeyValues, UsageError } from "../args.js";
import type { CommandContext } from "../context.js";
import { formatJsonLine, formatTable } from "../output.js";
import { withAdmin, withClientOptions } from "./common.js";

export function topicsCommand(ctx: CommandContext) {
  const out = (text: string) => ctx.io.stdout.write(text);
  return (yargs: Argv) =>
    yargs
      .command(
        "create <name>",
        "Create a topic",
        (y) =>
          withClientOptions(y, ctx)
            .positional("name", { type: "string", demandOption: true })
            .option("partitions", { type: "number", describe: "partition count (default: the broker's num.partitions)" })
            .option("replication-factor", { type: "number", describe: "replicas per partition (default: the broker's default.replication.factor)" })
            .option("config", { type: "string", describe: "topic config key=value (repeatable)" })
            .option("if-not-exists", { type: "boolean", default: false, describe: "succeed if the topic already exists" }),
        async (args) => {
          const partitions = optionalPositive(args.partitions, "partitions");
          const replicationFactor = optionalPositive(args["replication-factor"], "replication-factor");
          const configs = Object.fromEntries(parseKeyValues(asStringList(args.config), "config"));
          await withAdmin(args, async (admin) => {
            let created;
            try {
              [created] = await admin.createTopics([{ name: args.name, numPartitions: partitions, replicationFactor, configs }]);
            } catch (err) {
              if (args["if-not-exists"] && (err as { errorName?: string }).errorName === "TOPIC_ALREADY_EXISTS") {
                if (args.json) out(formatJsonLine({ topic: args.name, created: false }));
                else out(`Topic ${args.name} already exists.\n`);
                return;
              }
              throw err;
            }
            const c = created!;
            if (args.json) out(formatJsonLine({ topic: c.name, created: true, topicId: c.topicId, partitions: c.numPartitions, replicationFactor: c.replicationFactor }));
            else out(`Created topic ${c.name}${c.numPartitions > 0 ? ` (${c.numPartitions} partitions, replication factor ${c.replicationFactor})` : ""}.\n`);
          });
        },
      )
      .command(
        "list",
        "List topic names",
        (y) => withClientOptions(y, ctx).option("include-internal", { type: "boolean", default: false, describe: "also list internal topics" }),
        async (args) => {
          await withAdmin(args, async (admin) => {
            const names = await admin.listTopics({ includeInternal: args["include-internal"] });
            out(args.json ? formatJsonLine(names) : names.map((n) => n + "\n").join(""));
          });
        },
      )
      .command(
        "describe [name]",
        "Show partitions (leader, replicas, ISR) and configs of one topic or all",
        (y) => withClientOptions(y, ctx).positional("name", { type: "string" }),
        async (args) => {
          await withAdmin(args, async (admin) => {
            const topics = await admin.describeTopics(args.name === undefined ? undefined : [args.name]);
            const configs = topics.length === 0 ? [] : await admin.describeConfigs(topics.map((t) => ({ type: "topic" as const, name: t.name })));
            const byTopic = new Map(configs.map((c) => [c.resource.name, overriddenConfigs(c)]));
            if (args.json) {
              out(formatJsonLine(topics.map((t) => describeJson(t, byTopic.get(t.name) ?? {}))));
              return;
            }
            out(topics.map((t) => describeText(t, byTopic.get(t.name) ?? {})).join("\n"));
          });
        },
      )
      .command(
        "delete <name>",
        "Delete a topic",
        (y) => withClientOptions(y, ctx).positional("name", { type: "string", demandOption: true }),
        async (args) => {
          await withAdmin(args, async (admin) => {
            await admin.deleteTopics([args.name]);
            out(args.json ? formatJsonLine({ topic: args.name, deleted: true }) : `Deleted topic ${args.name}.\n`);
          });
        },
      )
      .command(
        "alter-config <name>",
        "Set or remove topic configs (incremental)",
        (y) =>
          withClientOptions(y, ctx)
            .positional("name", { type: "string", demandOption: true })
            .option("set", { type: "string", describe: "config key=value to set (repeatable)" })
            .option("delete", { type: "string", describe: "config key to reset to its default (repeatable)" }),
        async (args) => {
          const ops: AlterConfigOp[] = [
            ...parseKeyValues(asStringList(args.set), "set").map(([name, value]) => ({ name, op: "set" as const, value })),
            ...asStringList(args.delete).map((name) => ({ name, op: "delete" as const })),
          ];
          if (ops.length === 0) throw new UsageError("give at least one --set key=value or --delete key");
          await withAdmin(args, async (admin) => {
            await admin.incrementalAlterConfigs({ type: "topic", name: args.name }, ops);
            if (args.json) out(formatJsonLine({ topic: args.name, altered: ops }));
            else out(`Updated ${ops.length} config${ops.length === 1 ? "" : "s"} of topic ${args.name}.\n`);
          });
        },
      )
      .command(
        "add-partitions <name>",
        "Grow a topic to a larger partition count",
        (y) =>
          withClientOptions(y, ctx)
            .positional("name", { type: "string", demandOption: true })
            .option("partitions", { type: "number", demandOption: true, describe: "new total partition count" }),
        async (args) => {
          const total = optionalPositive(args.partitions, "partitions")!;
          await withAdmin(args, async (admin) => {
            await admin.createPartitions(args.name, total);
            out(args.json ? formatJsonLine({ topic: args.name, partitions: total }) : `Topic ${args.name} now has ${total} partitions.\n`);
          });
        },
      )
      .demandCommand(1, "name a topics subcommand (create, list, describe, delete, alter-config, add-partitions)");
}

function optionalPositive(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value <= 0) throw new UsageError(`--${name} must be a positive integer, got '${value}'`);
  return value;
}

/** Configs set on the topic itself (not broker or built-in defaults). */
function overriddenConfigs(configs: ResourceConfigs): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const e of configs.entries) if (e.source === "DYNAMIC_TOPIC_CONFIG") out[e.name] = e.value;
  return out;
}

function describeJson(t: TopicDescription, configs: Record<string, string | null>) {
  return {
    name: t.name,
    topicId: t.topicId,
    internal: t.isInternal,
    partitionCount: t.partitions.length,
    replicationFactor: t.partitions[0]?.replicas.length ?? 0,
    configs,
    partitions: t.partitions.map((p) => ({
      partition: p.partition,
      leader: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicas: p.replicas,
      isr: p.isr,
      offlineReplicas: p.offlineReplicas,
    })),
  };
}

function describeText(t: TopicDescription, configs: Record<string, string | null>): string {
  const configText = Object.entries(configs)
    .map(([k, v]) => `${k}=${v ?? ""}`)
    .join(",");
  const header =
    `Topic: ${t.name}\tTopicId: ${t.topicId ?? "-"}\tPartitionCount: ${t.partitions.length}\t` +
    `ReplicationFactor: ${t.partitions[0]?.replicas.length ?? 0}\tConfigs: ${configText}\n`;
  const rows = t.partitions.map((p) => [p.partition, p.leader, p.replicas, p.isr, p.offlineReplicas.length > 0 ? p.offlineReplicas : null]);
  return header + formatTable(["PARTITION", "LEADER", "REPLICAS", "ISR", "OFFLINE"], rows);
}
