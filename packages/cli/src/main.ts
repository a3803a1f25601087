import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import yargs from "yargs";
import { UsageError } from "./args.js";
import { serverCommand } from "./commands/server.js";
import { consumeCommand } from "./commands/consume.js";
import { groupsCommand } from "./commands/groups.js";
import { metadataQuorumCommand } from "./commands/metadata-quorum.js";
import { partitionsCommand } from "./commands/partitions.js";
import { perfCommand } from "./commands/perf.js";
import { produceCommand } from "./commands/produce.js";
import { topicsCommand } from "./commands/topics.js";
import type { CommandContext } from "./context.js";
import { describeError, exitCodeFor } from "./error-report.js";
import { processIo, type CliIo } from "./io.js";

export const CLI_VERSION = "0.1.0";

/** Runs one `samsa` invocation and returns its exit status; never calls process.exit. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const ctx: CommandContext = { io, exitCode: 0 };
  const parser = yargs()
    .scriptName("samsa")
    .usage("$0 <command> [options]\n\nA Kafka-compatible broker and its command-line tools.")
    .command("server", "Run the broker", serverCommand(ctx))
    .command("topics", "Create, list, describe, alter and delete topics", topicsCommand(ctx))
    .command("groups", "List, describe, delete consumer groups and reset their offsets", groupsCommand(ctx))
    .command("metadata-quorum", "Describe the controller quorum (leader, epoch, lag)", metadataQuorumCommand(ctx))
    .command("partitions", "Reassign partition replicas and elect leaders", partitionsCommand(ctx));
  produceCommand(ctx)(parser);
  consumeCommand(ctx)(parser);
  parser
    .command("perf", "Measure produce/consume throughput and latency", perfCommand(ctx))
    .demandCommand(1, "name a command (see --help)")
    .strict()
    .recommendCommands()
    .help()
    .alias("h", "help")
    .version(CLI_VERSION)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message, err) => {
      throw err ?? new UsageError(message);
    });
  try {
    // With a callback yargs hands us help/version text instead of printing it.
    await parser.parseAsync(argv.slice(), {}, (_err, _args, output) => {
      if (output) io.stdout.write(output.endsWith("\n") ? output : output + "\n");
    });
    return ctx.exitCode;
  } catch (err) {
    io.stderr.write(describeError(err, io.env.SAMSA_DEBUG !== undefined) + "\n");
    if (err instanceof UsageError) io.stderr.write("run 'samsa --help' for usage\n");
    return exitCodeFor(err);
  }
}

/** Entry point for bin/samsa.js and `node dist/main.js`. */
export async function run(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2));
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) await run();
