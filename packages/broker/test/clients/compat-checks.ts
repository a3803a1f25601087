import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { startBrokerProcess, type BrokerProcess } from "@samsa/testkit";
import { byPartition, PARTITION_COUNT, type ConsumedRecord, type TestRecord } from "./compat-records.js";

export const PYTHON = "/usr/bin/python3";
export const KCAT = "/usr/bin/kcat";
const KCAT_TIMEOUT_MS = 20_000;

export interface KcatRun {
  stdout: Buffer;
  stderr: string;
}

/** Runs kcat to completion (SIGKILL after KCAT_TIMEOUT_MS); rejects with its stderr on a non-zero exit. */
export async function runKcat(args: string[], stdin?: Buffer): Promise<KcatRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(KCAT, args, { stdio: ["pipe", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr = (stderr + text).slice(-10_000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), KCAT_TIMEOUT_MS);
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout: Buffer.concat(stdout), stderr });
      else reject(new Error(`kcat ${args.join(" ")} ended with ${signal ?? `exit code ${code}`} (killed after ${KCAT_TIMEOUT_MS} ms if SIGKILL)\n${stderr}`));
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(stdin ?? Buffer.alloc(0));
  });
}

/** Broker settings shared by the client tests: deleted topics leave the disk at once. */
export async function startCompatBroker(): Promise<BrokerProcess> {
  return startBrokerProcess({
    overrides: { "log.segment.delete.delay.ms": 0, "auto.create.topics.enable": false },
  });
}

/** A unique topic name per test run, so a leftover data dir cannot satisfy an assertion. */
export function topicName(client: string): string {
  return `compat-${client}-${Date.now().toString(36)}`;
}

/** Fails (never skips) when a client binary CI is supposed to install is missing. */
export function requireExecutable(path: string, aptPackage: string): void {
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: install the Debian package "${aptPackage}" (apt-get install -y ${aptPackage}; .ci/run does this)`);
  }
}

/** Fails when Debian's python3 cannot import a client module. */
export function requirePythonModules(modules: Record<string, string>): void {
  requireExecutable(PYTHON, "python3");
  for (const [module, aptPackage] of Object.entries(modules)) {
    try {
      execFileSync(PYTHON, ["-c", `import ${module}`], { stdio: "pipe", timeout: 10_000 });
    } catch {
      throw new Error(`${PYTHON} cannot import ${module}: install the Debian package "${aptPackage}" (apt-get install -y ${aptPackage}; .ci/run does this)`);
    }
  }
}

function show(bytes: Buffer | null): string {
  if (bytes === null) return "null";
  const hex = bytes.toString("hex");
  return hex.length > 64 ? `${hex.slice(0, 64)}…(${bytes.length} bytes)` : `0x${hex}`;
}

function showHeaders(headers: ReadonlyArray<readonly [string, Buffer | null]>): string {
  return `[${headers.map(([name, value]) => `${name}=${show(value)}`).join(", ")}]`;
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}

export interface CompareOptions {
  /** Checks a consumed timestamp; exact equality with the produced one when omitted. */
  timestampMatches?: (expected: TestRecord, actual: number) => boolean;
}

/**
 * Compares what was read back with what was acknowledged, partition by
 * partition: same count, offsets 0..n-1, and exact key, value, headers and
 * timestamp in produce order. Returns readable mismatch lines (empty when equal).
 */
export function comparePartitions(expected: readonly TestRecord[], consumed: readonly ConsumedRecord[], options: CompareOptions = {}): string[] {
  const timestampMatches = options.timestampMatches ?? ((record, actual) => record.timestamp === actual);
  const problems: string[] = [];
  const limitPerPartition = 5;
  const expectedParts = byPartition(expected);
  const consumedParts = byPartition(consumed);
  for (let partition = 0; partition < PARTITION_COUNT; partition++) {
    const want = expectedParts[partition]!;
    const got = consumedParts[partition]!;
    if (want.length !== got.length) {
      problems.push(`partition ${partition}: expected ${want.length} records, read ${got.length}`);
    }
    let reported = 0;
    for (let position = 0; position < Math.max(want.length, got.length) && reported < limitPerPartition; position++) {
      const w = want[position];
      const g = got[position];
      const where = `partition ${partition} position ${position}${w ? ` (record #${w.index})` : ""}`;
      const differences: string[] = [];
      if (w === undefined) differences.push(`unexpected extra record at offset ${g!.offset}`);
      else if (g === undefined) differences.push("missing");
      else {
        if (g.offset !== position) differences.push(`offset ${g.offset}, expected ${position}`);
        if (!sameBytes(w.key, g.key)) differences.push(`key ${show(g.key)}, expected ${show(w.key)}`);
        if (!sameBytes(w.value, g.value)) differences.push(`value ${show(g.value)}, expected ${show(w.value)}`);
        const headersEqual =
          w.headers.length === g.headers.length &&
          w.headers.every(([name, value], i) => g.headers[i]![0] === name && sameBytes(value, g.headers[i]![1]));
        if (!headersEqual) differences.push(`headers ${showHeaders(g.headers)}, expected ${showHeaders(w.headers)}`);
        if (!timestampMatches(w, g.timestamp)) differences.push(`timestamp ${g.timestamp}, expected ${w.timestamp}`);
      }
      if (differences.length > 0) {
        problems.push(`${where}: ${differences.join("; ")}`);
        reported++;
      }
    }
  }
  return problems;
}

/** Offsets a ListOffsets by timestamp must return for `records` (all in one partition, produce order). */
export function expectedOffsetForTimestamp(partitionRecords: ReadonlyArray<{ timestamp: number }>, timestamp: number): number {
  const position = partitionRecords.findIndex((record) => record.timestamp >= timestamp);
  return position;
}

/** Partition directories of a topic in a log dir, including ones renamed for deletion. */
export function topicDirectories(dataDir: string, topic: string): string[] {
  if (!existsSync(dataDir)) return [];
  const prefix = `${topic}-`;
  return readdirSync(dataDir).filter((entry) => entry.startsWith(prefix) && /^\d+($|\.)/.test(entry.slice(prefix.length)));
}

/** Waits (bounded) until a deleted topic has no directory left in the data dir. */
export async function waitForTopicDirectoriesGone(dataDir: string, topic: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let left = topicDirectories(dataDir, topic);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    left = topicDirectories(dataDir, topic);
  }
  if (left.length > 0) {
    throw new Error(`topic ${topic} was deleted but ${timeoutMs} ms later ${dataDir} still holds: ${left.join(", ")}`);
  }
}

/**
 * Runs `body`, and on failure appends the step name and the broker's log tail
 * to the error's message (keeping the error object, so assertion diffs survive).
 */
export async function withBrokerLog<T>(broker: BrokerProcess, step: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    // Clients such as @platformatic/kafka wrap the broker's answers in AggregateErrors.
    const inner = error instanceof AggregateError ? error.errors.map((e) => `  caused by: ${describeInner(e)}`).join("\n") : "";
    const context = `${inner ? `\n${inner}` : ""}\n[${step}] broker log tail:\n${broker.logTail(12)}`;
    if (error instanceof Error) {
      error.message += context;
      throw error;
    }
    throw new Error(`${String(error)}${context}`);
  }
}

function describeInner(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const response = (error as { response?: unknown }).response;
  const detail = response === undefined ? "" : ` response=${JSON.stringify(response, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value)).slice(0, 600)}`;
  return `${error.message}${detail}`;
}
