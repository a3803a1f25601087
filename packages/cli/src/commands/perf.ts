import { Consumer, Producer, recordSizes, type KafkaClient } from "@samsa/client";
import type { Argv } from "yargs";
import { UsageError } from "../args.js";
import type { CommandContext } from "../context.js";
import { formatJsonLine } from "../output.js";
import { formatPerfSummary, PerfStats, type PerfSummary } from "../perf-stats.js";
import { COMPRESSIONS, parseAcks, ACKS_CHOICES } from "./produce.js";
import { withClient, withClientOptions, type ClientArgs } from "./common.js";
import { PerfBatchPool } from "./perf-batches.js";
import { COMPRESSION_CODES, type CompressionName } from "@samsa/client";

const PROGRESS_INTERVAL_MS = 5_000;
/** Large fetches amortize the per-request round trip; one response of this size is in memory at a time, plus one being fetched. */
const DEFAULT_FETCH_MAX_BYTES = 16 * 1024 * 1024;

interface PerfProduceArgs extends ClientArgs {
  topic: string;
  "num-records": number;
  "record-size": number;
  acks: string;
  throughput: number;
  "batch-records": number;
  "max-in-flight": number;
  compression: string;
  "max-duration-ms": number;
}

interface PerfConsumeArgs extends ClientArgs {
  topic: string;
  messages: number;
  "fetch-max-bytes": number;
  "max-duration-ms": number;
  "from-beginning": boolean;
}

export function perfCommand(ctx: CommandContext) {
  return (yargs: Argv) =>
    yargs
      .command(
        "produce",
        "Measure produce throughput and latency (like kafka-producer-perf-test)",
        (y) =>
          withClientOptions(y, ctx)
            .option("topic", { type: "string", demandOption: true })
            .option("num-records", { type: "number", demandOption: true, describe: "records to send" })
            .option("record-size", { type: "number", default: 1024, describe: "value bytes per record" })
            .option("acks", { type: "string", choices: ACKS_CHOICES, default: "1" })
            .option("throughput", { type: "number", default: -1, describe: "records/s cap, -1 for none" })
            .option("batch-records", { type: "number", default: 500, describe: "records per batch (one partition)" })
            .option("max-in-flight", { type: "number", default: 8, describe: "produce requests outstanding at once" })
            .option("compression", { type: "string", choices: COMPRESSIONS, default: "none" })
            .option("max-duration-ms", { type: "number", default: 300_000, describe: "stop after this long even if records remain" }),
        (args) => perfProduce(ctx, args),
      )
      .command(
        "consume",
        "Measure consume throughput (like kafka-consumer-perf-test)",
        (y) =>
          withClientOptions(y, ctx)
            .option("topic", { type: "string", demandOption: true })
            .option("messages", { type: "number", demandOption: true, describe: "records to read" })
            .option("from-beginning", { type: "boolean", default: true, describe: "start at the earliest offset" })
            .option("fetch-max-bytes", { type: "number", default: DEFAULT_FETCH_MAX_BYTES, describe: "bytes per partition per fetch" })
            .option("max-duration-ms", { type: "number", default: 300_000, describe: "stop after this long even if records remain" }),
        (args) => perfConsume(ctx, args),
      )
      .demandCommand(1, "name a perf subcommand (produce, consume)");
}

function positiveInt(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new UsageError(`--${name} must be a positive integer, got '${value}'`);
  return value;
}

async function perfProduce(ctx: CommandContext, args: PerfProduceArgs): Promise<void> {
  const numRecords = positiveInt(args["num-records"], "num-records");
  const recordSize = positiveInt(args["record-size"], "record-size");
  const batchRecords = positiveInt(args["batch-records"], "batch-records");
  const maxInFlight = positiveInt(args["max-in-flight"], "max-in-flight");
  const acks = parseAcks(args.acks);
  const throughput = args.throughput;
  const compression = COMPRESSION_CODES[args.compression as CompressionName];

  await withClient(args, async (client) => {
    const topic = await client.topic(args.topic, { refresh: true });
    const partitions = topic.partitions.map((p) => p.partition);
    const producer = new Producer(client, { acks });
    // One random payload reused by every record, as kafka-producer-perf-test does.
    const payload = Buffer.alloc(recordSize);
    for (let i = 0; i < recordSize; i++) payload[i] = 65 + Math.floor(Math.random() * 26);
    const batches = new PerfBatchPool(payload, compression);

    const startedAt = performance.now();
    const cpuAtStart = process.cpuUsage();
    const deadline = startedAt + args["max-duration-ms"];
    const stats = new PerfStats(startedAt);
    const inFlight = new Set<Promise<void>>();
    let firstError: unknown = null;
    let queued = 0;
    let nextPartition = 0;
    let lastProgressAt = startedAt;
    let lastProgressRecords = 0;

    while (queued < numRecords && !firstError && !ctx.io.interrupted.aborted && performance.now() < deadline) {
      const n = Math.min(batchRecords, numRecords - queued);
      if (throughput > 0) await paceTo(startedAt, queued, throughput);
      const batch = batches.take(n, Date.now());
      const partition = partitions[nextPartition++ % partitions.length]!;
      const sentAt = performance.now();
      const p = producer.produceRawBatch(args.topic, partition, batch).then(
        () => {
          stats.record(n, n * recordSize, performance.now() - sentAt);
          batches.give(n, batch);
        },
        (err) => {
          firstError ??= err;
        },
      );
      queued += n;
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      const t = performance.now();
      if (t - lastProgressAt >= PROGRESS_INTERVAL_MS) {
        const rate = ((stats.recordCount - lastProgressRecords) * 1000) / (t - lastProgressAt);
        ctx.io.stderr.write(`${stats.recordCount} records sent, ${rate.toFixed(1)} records/sec\n`);
        lastProgressAt = t;
        lastProgressRecords = stats.recordCount;
      }
    }
    await Promise.all(inFlight);
    report(ctx, args.json, stats.summary(performance.now()), process.cpuUsage(cpuAtStart));
    if (firstError) throw firstError;
  });
}

/** Sleeps until sending record `sent` keeps the average at `recordsPerSec`. */
async function paceTo(startedAt: number, sent: number, recordsPerSec: number): Promise<void> {
  const dueAt = startedAt + (sent * 1000) / recordsPerSec;
  const wait = dueAt - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

async function perfConsume(ctx: CommandContext, args: PerfConsumeArgs): Promise<void> {
  const wanted = positiveInt(args.messages, "messages");
  const fetchMaxBytes = positiveInt(args["fetch-max-bytes"], "fetch-max-bytes");
  await withClient(args, async (client: KafkaClient) => {
    const consumer = new Consumer(client, { maxWaitMs: 100, partitionMaxBytes: fetchMaxBytes, maxBytes: Math.max(fetchMaxBytes, 50 * 1024 * 1024), fetchAhead: true });
    await consumer.assign(args.topic, undefined, args["from-beginning"] ? "earliest" : "latest");
    const startedAt = performance.now();
    const cpuAtStart = process.cpuUsage();
    const deadline = startedAt + args["max-duration-ms"];
    const stats = new PerfStats(startedAt);
    let lastProgressAt = startedAt;
    while (stats.recordCount < wanted && !ctx.io.interrupted.aborted && performance.now() < deadline) {
      // Sizes are read from the record framing: decoding every record into an
      // object would make this tool, not the broker, what is measured.
      for (const { batches, fetchOffset } of await consumer.pollBatches()) {
        for (const batch of batches) {
          if (batch.isControl || stats.recordCount >= wanted) continue;
          const sizes = recordSizes(batch, fetchOffset);
          const take = Math.min(sizes.records, wanted - stats.recordCount);
          // A batch cut short by --messages counts its share of the bytes.
          stats.record(take, take === sizes.records ? sizes.bytes : Math.round((sizes.bytes * take) / sizes.records));
        }
      }
      const t = performance.now();
      if (t - lastProgressAt >= PROGRESS_INTERVAL_MS) {
        ctx.io.stderr.write(`${stats.recordCount} records consumed\n`);
        lastProgressAt = t;
      }
    }
    const summary = stats.summary(performance.now());
    report(ctx, args.json, summary, process.cpuUsage(cpuAtStart));
    if (summary.records < wanted) {
      ctx.io.stderr.write(`only ${summary.records} of ${wanted} records arrived before the time limit\n`);
      ctx.exitCode = 1;
    }
  });
}

/** JSON adds the tool's own CPU time over the run, so a benchmark can tell a busy tool from a slow broker. */
function report(ctx: CommandContext, json: boolean, summary: PerfSummary, cpu: NodeJS.CpuUsage): void {
  if (json) ctx.io.stdout.write(formatJsonLine({ ...summary, cpuMs: { user: Math.round(cpu.user / 1000), system: Math.round(cpu.system / 1000) } }));
  else ctx.io.stdout.write(formatPerfSummary(summary).replace("records sent", summary.latencyMs ? "records sent" : "records consumed") + "\n");
}
