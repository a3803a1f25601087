import { Admin, KafkaClient } from "@samsa/client";
import type { Argv } from "yargs";
import { defaultBootstrapServer, parseBootstrapServers } from "../args.js";
import type { CommandContext } from "../context.js";

export interface ClientArgs {
  "bootstrap-server": string;
  "request-timeout-ms": number;
  json: boolean;
}

/** Options every command that talks to a cluster accepts. */
export function withClientOptions<T>(y: Argv<T>, ctx: CommandContext) {
  return y
    .option("bootstrap-server", {
      type: "string",
      default: defaultBootstrapServer(ctx.io.env),
      describe: "comma-separated host:port list ($SAMSA_BOOTSTRAP_SERVER)",
    })
    .option("request-timeout-ms", { type: "number", default: 30_000, describe: "per-request timeout" })
    .option("json", { type: "boolean", default: false, describe: "machine-readable JSON output" });
}

/** Runs `body` with a connected client and always closes it. */
export async function withClient<T>(args: ClientArgs, body: (client: KafkaClient) => Promise<T>): Promise<T> {
  const client = new KafkaClient({
    bootstrapServers: parseBootstrapServers(args["bootstrap-server"]),
    clientId: "samsa-cli",
    requestTimeoutMs: args["request-timeout-ms"],
    connectTimeoutMs: Math.min(10_000, args["request-timeout-ms"]),
  });
  try {
    await client.connect();
    return await body(client);
  } finally {
    await client.close();
  }
}

export function withAdmin<T>(args: ClientArgs, body: (admin: Admin, client: KafkaClient) => Promise<T>): Promise<T> {
  return withClient(args, (client) => body(new Admin(client, { timeoutMs: args["request-timeout-ms"] }), client));
}
