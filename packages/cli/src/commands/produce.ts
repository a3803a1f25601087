import { Producer, type Acks, type CompressionName, type ProducerRecord, type RecordMetadata } from "@samsa/client";
import type { Argv } from "yargs";
import { asStringList, parseKeyValues, UsageError } from "../args.js";
import type { CommandContext } from "../context.js";
import { readLines } from "../line-reader.js";
import { formatJsonLine } from "../output.js";
import { withClient, withClientOptions, type ClientArgs } from "./common.js";

export const COMPRESSIONS = ["none", "gzip", "snappy", "lz4", "zstd"] as const;
export const ACKS_CHOICES = ["0", "1", "-1", "all"] as const;

export function parseAcks(value: string): Acks {
  if (value === "all" || value === "-1") return -1;
  if (value === "0") return 0;
  if (value === "1") return 1;
  throw new UsageError(`--acks must be 0, 1, -1 or all, got '${value}'`);
}

/** Records sent but not yet acknowledged; reading stdin pauses beyond this. */
const MAX_PENDING_RECORDS = 10_000;

interface ProduceArgs extends ClientArgs {
  topic: string;
  /** One string, or several when the option repeats. */
  value?: string | string[];
  key?: string;
  "key-separator"?: string;
  header?: string | string[];
  partition?: number;
  acks: string;
  compression: string;
  "linger-ms": number;
  "batch-size": number;
}

/** Registers `samsa produce <topic>`. */
export function produceCommand(ctx: CommandContext) {
  return (root: Argv) =>
    root.command(
      "produce <topic>",
      "Produce records from stdin lines or --value",
      (y) =>
        withClientOptions(y, ctx)
          .positional("topic", { type: "string", demandOption: true })
          .option("value", { type: "string", describe: "produce these values instead of reading stdin (repeatable)" })
          .option("key", { type: "string", describe: "key for every record" })
          .option("key-separator", { type: "string", describe: "split each input line into key and value at the first occurrence" })
          .option("header", { type: "string", describe: "record header key=value (repeatable)" })
          .option("partition", { type: "number", describe: "send to this partition (default: by key hash, round-robin without key)" })
          .option("acks", { type: "string", choices: ACKS_CHOICES, default: "all", describe: "acknowledgement level" })
          .option("compression", { type: "string", choices: COMPRESSIONS, default: "none" })
          .option("linger-ms", { type: "number", default: 5, describe: "wait this long to fill batches" })
          .option("batch-size", { type: "number", default: 1024 * 1024, describe: "bytes per partition batch" }),
      (args) => produce(ctx, args),
    );
}

async function produce(ctx: CommandContext, args: ProduceArgs): Promise<void> {
  const acks = parseAcks(args.acks);
  const headers = parseKeyValues(asStringList(args.header), "header").map(([key, value]) => ({ key, value }));
  const separator = args["key-separator"];
  if (separator !== undefined && separator.length === 0) throw new UsageError("--key-separator must not be empty");
  if (separator !== undefined && args.key !== undefined) throw new UsageError("use either --key or --key-separator");
  const partition = args.partition;
  if (partition !== undefined && (!Number.isInteger(partition) || partition < 0)) throw new UsageError("--partition must be a non-negative integer");

  const toRecord = (line: string): ProducerRecord => {
    let key: string | null = args.key ?? null;
    let value = line;
    if (separator !== undefined) {
      const at = line.indexOf(separator);
      if (at >= 0) {
        key = line.slice(0, at);
        value = line.slice(at + separator.length);
      }
    }
    return { topic: args.topic, partition, key, value, headers };
  };
  const lines: AsyncIterable<string> = args.value !== undefined ? fromArray(asStringList(args.value)) : readLines(ctx.io.stdin);

  await withClient(args, async (client) => {
    // Fail on an unknown topic before reading any input.
    await client.topic(args.topic, { refresh: true });
    const producer = new Producer(client, {
      acks,
      compression: args.compression as CompressionName,
      lingerMs: args["linger-ms"],
      batchSizeBytes: args["batch-size"],
    });
    const pending = new Set<Promise<void>>();
    let sent = 0;
    let firstError: unknown = null;
    const partitions = new Map<number, { count: number; first: number; last: number }>();
    const onSent = (m: RecordMetadata) => {
      sent++;
      const s = partitions.get(m.partition);
      if (!s) partitions.set(m.partition, { count: 1, first: m.offset, last: m.offset });
      else {
        s.count++;
        s.first = Math.min(s.first, m.offset);
        s.last = Math.max(s.last, m.offset);
      }
    };
    for await (const line of lines) {
      if (ctx.io.interrupted.aborted || firstError) break;
      const p: Promise<void> = producer.send(toRecord(line)).then(onSent, (err) => {
        firstError ??= err;
      });
      pending.add(p);
      void p.finally(() => pending.delete(p));
      if (pending.size >= MAX_PENDING_RECORDS) await Promise.race(pending);
    }
    await producer.flush();
    await Promise.all(pending);
    const summary = [...partitions].sort((a, b) => a[0] - b[0]).map(([p, s]) => ({ partition: p, records: s.count, firstOffset: s.first, lastOffset: s.last }));
    if (args.json) ctx.io.stdout.write(formatJsonLine({ topic: args.topic, records: sent, partitions: summary }));
    else {
      ctx.io.stderr.write(`Produced ${sent} record${sent === 1 ? "" : "s"} to ${args.topic}.\n`);
      for (const s of summary) {
        ctx.io.stderr.write(`  partition ${s.partition}: ${s.records} record(s), offsets ${s.firstOffset < 0 ? "unknown (acks=0)" : `${s.firstOffset}..${s.lastOffset}`}\n`);
      }
    }
    if (firstError) throw firstError;
  });
}

async function* fromArray(values: readonly string[]): AsyncGenerator<string> {
  yield* values;
}
