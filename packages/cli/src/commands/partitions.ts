import type { Argv } from "yargs";
import { UsageError } from "../args.js";
import type { CommandContext } from "../context.js";
import { withClient, withClientOptions } from "./common.js";
import { ELECTION_TYPES, runElectLeaders, type ElectionTypeName } from "./partitions-elect.js";
import { runReassign, type ReassignMode } from "./partitions-reassign.js";

const REASSIGN_MODES: readonly ReassignMode[] = ["generate", "execute", "verify", "cancel"];

export function partitionsCommand(ctx: CommandContext) {
  const out = (text: string) => ctx.io.stdout.write(text);
  return (yargs: Argv) =>
    yargs
      .command(
        "reassign",
        "Move partition replicas between brokers (kafka-reassign-partitions.sh)",
        (y) =>
          withClientOptions(y, ctx)
            .option("generate", { type: "boolean", default: false, describe: "propose a balanced assignment of --topics over --brokers" })
            .option("execute", { type: "boolean", default: false, describe: "start the reassignment in --reassignment-json-file" })
            .option("verify", { type: "boolean", default: false, describe: "report whether the reassignment in the file finished (exit 1 until it did)" })
            .option("cancel", { type: "boolean", default: false, describe: "cancel the in-progress reassignments of the file's partitions" })
            .option("topics", { type: "string", describe: "with --generate: comma-separated topic names" })
            .option("brokers", { type: "string", describe: "with --generate: comma-separated broker ids to place replicas on" })
            .option("reassignment-json-file", { type: "string", describe: 'plan file: {"version":1,"partitions":[{"topic","partition","replicas"}]}' }),
        async (args) => {
          const modes = REASSIGN_MODES.filter((m) => args[m]);
          if (modes.length !== 1) throw new UsageError(`choose exactly one of ${REASSIGN_MODES.map((m) => `--${m}`).join(", ")}`);
          const outcome = await withClient(args, (client) =>
            runReassign(client, {
              mode: modes[0]!,
              topics: args.topics,
              brokers: args.brokers,
              file: args["reassignment-json-file"],
              json: args.json,
              timeoutMs: args["request-timeout-ms"],
            }),
          );
          out(outcome.text);
          if (!outcome.ok) ctx.exitCode = 1;
        },
      )
      .command(
        "elect-leaders",
        "Run a preferred or unclean leader election (kafka-leader-election.sh)",
        (y) =>
          withClientOptions(y, ctx)
            .option("type", { choices: Object.keys(ELECTION_TYPES) as ElectionTypeName[], demandOption: true, describe: "preferred: back to the first replica; unclean: any live replica for leaderless partitions" })
            .option("topic", { type: "string", describe: "only this topic (default: every partition)" })
            .option("partition", { type: "number", describe: "only this partition of --topic" }),
        async (args) => {
          const outcome = await withClient(args, (client) => runElectLeaders(client, { type: args.type, topic: args.topic, partition: args.partition, json: args.json }));
          out(outcome.text);
          if (!outcome.ok) ctx.exitCode = 1;
        },
      )
      .demandCommand(1, "name a partitions subcommand (reassign, elect-leaders)");
}
