import type { Argv } from "yargs";
import { asStringList, UsageError } from "../args.js";
import type { CommandContext } from "../context.js";
import { formatJsonLine, formatTable, type Cell } from "../output.js";
import { withClient, withClientOptions } from "./common.js";
import { GroupsClient, type GroupInfo } from "./groups-client.js";
import { newOffset, parseResetSpec, parseTopicSelectors } from "./groups-reset.js";

/** One row of `groups describe`, as kafka-consumer-groups --describe prints it. */
interface OffsetRow {
  group: string;
  topic: string;
  partition: number;
  currentOffset: number | null;
  logEndOffset: number | null;
  lag: number | null;
  consumerId: string | null;
  host: string | null;
  clientId: string | null;
}

const DESCRIBE_HEADERS = ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"];

async function describeRows(groups: GroupsClient, info: GroupInfo): Promise<OffsetRow[]> {
  const committed = await groups.committedOffsets(info.groupId);
  const owner = new Map<string, GroupInfo["members"][number]>();
  const partitionsByTopic = new Map<string, Set<number>>();
  const note = (topic: string, partition: number) => {
    const set = partitionsByTopic.get(topic) ?? new Set<number>();
    set.add(partition);
    partitionsByTopic.set(topic, set);
  };
  for (const m of info.members) {
    for (const [topic, partitions] of m.assignment) {
      for (const p of partitions) {
        owner.set(`${topic}\u0000${p}`, m);
        note(topic, p);
      }
    }
  }
  for (const [topic, byPartition] of committed) for (const p of byPartition.keys()) note(topic, p);
  const rows: OffsetRow[] = [];
  for (const topic of [...partitionsByTopic.keys()].sort()) {
    const partitions = [...partitionsByTopic.get(topic)!].sort((a, b) => a - b);
    const ends = await groups.offsets(topic, "latest", partitions).catch(() => new Map<number, number>());
    for (const partition of partitions) {
      const current = committed.get(topic)?.get(partition) ?? null;
      const end = ends.get(partition) ?? null;
      const m = owner.get(`${topic}\u0000${partition}`);
      rows.push({
        group: info.groupId,
        topic,
        partition,
        currentOffset: current,
        logEndOffset: end,
        lag: current !== null && end !== null ? Math.max(0, end - current) : null,
        consumerId: m?.memberId ?? null,
        host: m?.host ?? null,
        clientId: m?.clientId ?? null,
      });
    }
  }
  return rows;
}

export function groupsCommand(ctx: CommandContext) {
  const out = (text: string) => ctx.io.stdout.write(text);
  return (yargs: Argv) =>
    yargs
      .command(
        "list",
        "List consumer groups",
        (y) => withClientOptions(y, ctx).option("state", { type: "boolean", default: false, describe: "also show each group's state" }),
        async (args) => {
          await withClient(args, async (client) => {
            const groups = await new GroupsClient(client, args["request-timeout-ms"]).listGroups();
            if (args.json) out(formatJsonLine(groups));
            else if (args.state) out(formatTable(["GROUP", "STATE"], groups.map((g) => [g.groupId, g.state])));
            else out(groups.map((g) => g.groupId + "\n").join(""));
          });
        },
      )
      .command(
        "describe <group>",
        "Show a group's members, committed offsets, log-end offsets and lag per partition",
        (y) => withClientOptions(y, ctx).positional("group", { type: "string", demandOption: true }),
        async (args) => {
          await withClient(args, async (client) => {
            const groups = new GroupsClient(client, args["request-timeout-ms"]);
            const info = await groups.describeGroup(args.group);
            const rows = await describeRows(groups, info);
            if (args.json) {
              out(formatJsonLine({ group: info.groupId, state: info.state, protocolType: info.protocolType, protocol: info.protocol, members: info.members.length, partitions: rows }));
              return;
            }
            if (info.state === "Dead") {
              out(`Consumer group '${info.groupId}' does not exist.\n`);
              return;
            }
            if (info.members.length === 0) out(`\nConsumer group '${info.groupId}' has no active members.\n`);
            out("\n" + formatTable(DESCRIBE_HEADERS, rows.map((r) => [r.group, r.topic, r.partition, r.currentOffset, r.logEndOffset, r.lag, r.consumerId, r.host, r.clientId] as Cell[])));
          });
        },
      )
      .command(
        "delete <group>",
        "Delete an empty group and its committed offsets",
        (y) => withClientOptions(y, ctx).positional("group", { type: "string", demandOption: true }),
        async (args) => {
          await withClient(args, async (client) => {
            await new GroupsClient(client, args["request-timeout-ms"]).deleteGroup(args.group);
            out(args.json ? formatJsonLine({ group: args.group, deleted: true }) : `Deletion of requested consumer groups ('${args.group}') was successful.\n`);
          });
        },
      )
      .command(
        "reset-offsets",
        "Move an inactive group's committed offsets (dry run unless --execute)",
        (y) =>
          withClientOptions(y, ctx)
            .option("group", { type: "string", demandOption: true, describe: "the group whose offsets move" })
            .option("topic", { type: "string", describe: "topic or topic:partition,… (repeatable)" })
            .option("all-topics", { type: "boolean", default: false, describe: "every topic the group has offsets for" })
            .option("to-earliest", { type: "boolean", describe: "to each partition's earliest offset" })
            .option("to-latest", { type: "boolean", describe: "to each partition's log end" })
            .option("to-offset", { type: "number", describe: "to this offset (clamped to the log)" })
            .option("to-datetime", { type: "string", describe: "to the first offset at or after this ISO-8601 time" })
            .option("shift-by", { type: "number", describe: "by this many offsets from the committed one (negative: back)" })
            .option("dry-run", { type: "boolean", default: false, describe: "only show the new offsets (the default)" })
            .option("execute", { type: "boolean", default: false, describe: "commit the new offsets" }),
        async (args) => {
          const spec = parseResetSpec(args);
          if (args["dry-run"] && args.execute) throw new UsageError("give only one of --dry-run and --execute");
          const selectors = parseTopicSelectors(asStringList(args.topic));
          if (selectors.length === 0 && !args["all-topics"]) throw new UsageError("give --topic (repeatable) or --all-topics");
          await withClient(args, async (client) => {
            const groups = new GroupsClient(client, args["request-timeout-ms"]);
            const info = await groups.describeGroup(args.group);
            if (args.execute && info.state !== "Empty" && info.state !== "Dead") {
              throw new UsageError(`Assignments can only be reset if the group '${args.group}' is inactive, but the current state is ${info.state}.`);
            }
            const committed = await groups.committedOffsets(args.group);
            const targets = args["all-topics"] ? [...committed.keys()].map((topic) => ({ topic, partitions: null })) : selectors;
            const plan: Array<{ topic: string; partition: number; offset: number }> = [];
            for (const { topic, partitions } of targets) {
              const wanted = partitions ?? (await groups.partitionsOf(topic));
              const [earliest, latest, atTime] = await Promise.all([
                groups.offsets(topic, "earliest", wanted),
                groups.offsets(topic, "latest", wanted),
                spec.kind === "datetime" ? groups.offsets(topic, { timestamp: spec.timestampMs }, wanted) : Promise.resolve(new Map<number, number>()),
              ]);
              for (const partition of wanted) {
                const e = earliest.get(partition);
                const l = latest.get(partition);
                if (e === undefined || l === undefined) throw new UsageError(`topic ${topic} has no partition ${partition}`);
                const t = atTime.get(partition);
                plan.push({ topic, partition, offset: newOffset(spec, { earliest: e, latest: l, current: committed.get(topic)?.get(partition), atTime: t !== undefined && t >= 0 ? t : undefined }) });
              }
            }
            if (args.execute && plan.length > 0) await groups.commitOffsets(args.group, plan);
            if (args.json) out(formatJsonLine({ group: args.group, executed: args.execute, offsets: plan }));
            else out("\n" + formatTable(["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"], plan.map((p) => [args.group, p.topic, p.partition, p.offset])));
          });
        },
      )
      .demandCommand(1, "name a groups subcommand (list, describe, delete, reset-offsets)");
}
