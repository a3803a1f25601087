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
          await whenAborted(ctx.io.interrupted);
          logger.info("shutting down");
          await broker.close();
        },
      )
      .demandCommand(1, "name a server subcommand (start)");
}
