import { createLogger, loadBrokerConfig, startBroker } from "@samsa/broker";
import type { Argv } from "yargs";
import { asStringList } from "../args.js";
import type { CommandContext } from "../context.js";
import { whenAborted } from "../io.js";

export function serverCommand(ctx: CommandContext) {
  return (yargs: Argv) =>
    yargs
      .command(
        "start",
        "Run a broker in the foreground until SIGINT/SIGTERM",
        (y) =>
          y
            .option("config", { type: "string", describe: "server.properties file (Kafka property names)" })
            .option("override", { type: "string", describe: "property override key=value (repeatable); wins over file and environment" }),
        async (args) => {
          const config = loadBrokerConfig({ configFile: args.config, overrides: asStringList(args.override), env: ctx.io.env });
          const logger = createLogger({ level: config.logLevel });
          const broker = await startBroker(config, { logger });
          // A refused registration (duplicate node.id, other cluster) ends the process with an error.
          const fatal = await Promise.race([whenAborted(ctx.io.interrupted).then(() => null), broker.fatal]);
          logger.info("shutting down");
          // SIGTERM/SIGINT: controlled shutdown moves this broker's leaderships away first.
          await broker.close({ controlledShutdown: fatal === null });
          if (fatal) throw fatal;
        },
      )
      .demandCommand(1, "name a server subcommand (start)");
}
