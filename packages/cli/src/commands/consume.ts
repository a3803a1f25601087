import { Consumer, type OffsetSpec, type PartitionAssignment } from "@samsa/client";
import type { Argv } from "yargs";
import { UsageError } from "../args.js";
import type { CommandContext } from "../context.js";
import { formatJsonLine } from "../output.js";
import { compileFormat, FORMAT_PRESETS, recordJson, type BytesEncoding } from "../record-format.js";
import { withClient, withClientOptions, type ClientArgs } from "./common.js";

interface ConsumeArgs extends ClientArgs {
  topic: string;
  "from-beginning": boolean;
  partition?: number;
  offset?: string;
  "max-messages"?: number;
  "timeout-ms"?: number;
  "exit-at-end": boolean;
  format: string;
  encoding: string;
  "max-wait-ms": number;
}

/** Registers `samsa consume <topic>`. */
export function consumeCommand(ctx: CommandContext) {
  return (root: Argv) =>
    root.command(
      "consume <topic>",
      "Print records of a topic (no consumer group)",
      (y) =>
        withClientOptions(y, ctx)
          .positional("topic", { type: "string", demandOption: true })
          .option("from-beginning", { type: "boolean", default: false, describe: "start at the earliest offset instead of the end" })
          .option("partition", { type: "number", describe: "read only this partition" })
          .option("offset", { type: "string", describe: "start offset: a number, 'earliest', 'latest' or '@<timestamp-ms>' (needs --partition for a number)" })
          .option("max-messages", { type: "number", describe: "stop after this many records" })
          .option("timeout-ms", { type: "number", describe: "stop when no record arrived for this long" })
          .option("exit-at-end", { type: "boolean", default: false, describe: "stop once the end of every partition is reached" })
          .option("format", {
            type: "string",
            default: "value",
            describe: `output format: ${Object.keys(FORMAT_PRESETS).join(", ")}, or kcat-style (%t %p %o %T %k %v %h %K %S)`,
          })
          .option("encoding", { type: "string", choices: ["utf8", "base64"], default: "utf8", describe: "key/value encoding in --json output" })
          .option("max-wait-ms", { type: "number", default: 500, describe: "fetch long-poll wait" }),
      (args) => consume(ctx, args),
    );
}

function parseStart(args: ConsumeArgs): number | OffsetSpec {
  if (args.offset === undefined) return args["from-beginning"] ? "earliest" : "latest";
  if (args["from-beginning"]) throw new UsageError("use either --from-beginning or --offset");
  const text = args.offset;
  if (text === "earliest" || text === "beginning") return "earliest";
  if (text === "latest" || text === "end") return "latest";
  if (text.startsWith("@")) {
    const ts = Number(text.slice(1));
    if (!Number.isSafeInteger(ts) || ts < 0) throw new UsageError(`--offset @<timestamp> needs a millisecond timestamp, got '${text}'`);
    return { timestamp: ts };
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--offset must be a number, earliest, latest or @<timestamp>, got '${text}'`);
  if (args.partition === undefined) throw new UsageError("--offset <number> needs --partition");
  return n;
}

async function consume(ctx: CommandContext, args: ConsumeArgs): Promise<void> {
  const start = parseStart(args);
  const maxMessages = args["max-messages"];
  if (maxMessages !== undefined && (!Number.isInteger(maxMessages) || maxMessages <= 0)) throw new UsageError("--max-messages must be a positive integer");
  const idleTimeoutMs = args["timeout-ms"];
  const format = compileFormat(args.format);
  const encoding = args.encoding as BytesEncoding;

  await withClient(args, async (client) => {
    const consumer = new Consumer(client, { maxWaitMs: Math.min(args["max-wait-ms"], idleTimeoutMs ?? Infinity) });
    const assignments: PartitionAssignment[] | undefined = args.partition === undefined ? undefined : [{ partition: args.partition, offset: start }];
    if (args.partition !== undefined) {
      const info = await client.topic(args.topic, { refresh: true });
      if (!info.partitions.some((p) => p.partition === args.partition)) throw new UsageError(`topic ${args.topic} has no partition ${args.partition}`);
    }
    await consumer.assign(args.topic, assignments, start);

    let count = 0;
    let lastRecordAt = Date.now();
    while (!ctx.io.interrupted.aborted) {
      const records = await consumer.poll();
      for (const r of records) {
        ctx.io.stdout.write(args.json ? formatJsonLine(recordJson(r, encoding)) : format(r));
        count++;
        if (maxMessages !== undefined && count >= maxMessages) break;
      }
      if (maxMessages !== undefined && count >= maxMessages) break;
      if (records.length > 0) lastRecordAt = Date.now();
      if (args["exit-at-end"] && consumer.caughtUp) break;
      if (idleTimeoutMs !== undefined && Date.now() - lastRecordAt >= idleTimeoutMs) break;
    }
    if (!args.json) ctx.io.stderr.write(`Consumed ${count} record${count === 1 ? "" : "s"}.\n`);
  });
}
