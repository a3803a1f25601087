#!/usr/bin/env node
// Single-node throughput benchmark with every party in its own process:
// a broker (`samsa server start`) on a free 127.0.0.1 port with a temporary
// data dir, `samsa perf produce` then `samsa perf consume` against it, once
// per durability policy. Same-run baselines (a plain TCP loopback blast of the
// same bytes between two node processes, a plain file write loop) put the
// figures in proportion to what the (shared, busy) machine can do right now.
//
//   npm run bench:broker                 # builds first
//   node scripts/bench-broker.mjs --records 200000 --record-size 1024 \
//     [--policies fsync,relaxed] [--profile] [--json]
//
// --profile runs each broker under `node --cpu-prof` (one broker process for
// the produce phase, a restarted one on the same data for the consume phase)
// and prints the top self-time functions of each profile.
import { spawn } from "node:child_process";
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { formatTop, perRecordFunctionsIn, topSelfTime } from "./cpuprofile-top.mjs";
import { benchWorkspace, lastJsonLine, parsePolicies, positive, processCpuMs, round, runNode } from "./lib/bench-support.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "packages/cli/dist/main.js");
const MIB = 1024 * 1024;
const BROKER_START_TIMEOUT_MS = 20_000;
const CHILD_TIMEOUT_MS = 60_000;
const BASELINE_CHUNK_BYTES = MIB;
/** Kafka's "never" for log.flush.interval.messages (Long.MAX_VALUE). */
const FLUSH_NEVER = "9223372036854775807";

const POLICIES = {
  fsync: { label: "fsync per append (default, log.flush.interval.messages=1, group commit)", overrides: [] },
  relaxed: { label: `no forced fsync (log.flush.interval.messages=${FLUSH_NEVER})`, overrides: [`log.flush.interval.messages=${FLUSH_NEVER}`] },
};

const { values: opts } = parseArgs({
  options: {
    records: { type: "string", default: "200000" },
    "record-size": { type: "string", default: "1024" },
    policies: { type: "string", default: "fsync,relaxed" },
    "batch-records": { type: "string" },
    "max-in-flight": { type: "string" },
    profile: { type: "boolean", default: false },
    "profile-top": { type: "string", default: "20" },
    json: { type: "boolean", default: false },
  },
});
const records = positive(opts.records, "records");
const recordSize = positive(opts["record-size"], "record-size");
const totalBytes = records * recordSize;
const policies = parsePolicies(opts.policies, POLICIES);

const { workDir, children } = benchWorkspace("samsa-bench-");

const run = (args, { timeoutMs = CHILD_TIMEOUT_MS, nodeArgs = [] } = {}) => runNode(children, args, { timeoutMs, nodeArgs });

// ------------------------------------------------------------------ helpers

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function connectOnce(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

async function startBroker({ dataDir, overrides, profileDir, port }) {
  const nodeArgs = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const args = [
    CLI, "server", "start",
    "--override", `log.dirs=${dataDir}`,
    "--override", `listeners=PLAINTEXT://127.0.0.1:${port}`,
    "--override", "log.level=warn",
    "--override", "num.partitions=1",
    ...overrides.flatMap((o) => ["--override", o]),
  ];
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  children.add(child);
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  const deadline = Date.now() + BROKER_START_TIMEOUT_MS;
  while (!(await connectOnce(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`broker did not start on port ${port}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    bootstrap: `127.0.0.1:${port}`,
    cpuMs: () => processCpuMs(child.pid),
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const status = await exited;
      clearTimeout(timer);
      children.delete(child);
      if (status !== 0) throw new Error(`broker exited with ${status}: ${stderr}`);
    },
  };
}

// ---------------------------------------------------------------- baselines

/** A sink process counts `bytes` from one connection and answers one byte; the sender measures until that byte. */
const TCP_SINK = `
const net = require("node:net");
const want = Number(process.argv[1]);
const server = net.createServer((s) => {
  let got = 0;
  s.on("data", (d) => {
    got += d.length;
    if (got >= want) { s.end(Buffer.from([1])); server.close(); }
  });
});
server.listen(0, "127.0.0.1", () => process.stdout.write(server.address().port + "\\n"));
`;

async function tcpBaseline(bytes) {
  const sink = spawn(process.execPath, ["-e", TCP_SINK, String(bytes)], { stdio: ["ignore", "pipe", "inherit"] });
  children.add(sink);
  const port = await new Promise((resolve) => sink.stdout.once("data", (d) => resolve(Number(String(d).trim()))));
  const chunk = Buffer.alloc(BASELINE_CHUNK_BYTES, 0x61);
  const started = performance.now();
  await new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port });
    s.once("error", reject);
    s.once("data", () => {
      s.destroy();
      resolve();
    });
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void s.once("drain", pump);
      }
    };
    s.once("connect", pump);
  });
  const ms = performance.now() - started;
  children.delete(sink);
  return { mbPerSec: round(bytes / MIB / (ms / 1000)), elapsedMs: Math.round(ms) };
}

/** Sequential 1 MiB writes to a fresh file; with `fsyncEvery` an fdatasync after that many bytes. */
function fileBaseline(bytes, fsyncEveryBytes) {
  const path = join(workDir, `baseline-${fsyncEveryBytes}.bin`);
  const chunk = Buffer.alloc(BASELINE_CHUNK_BYTES, 0x62);
  const fd = openSync(path, "w");
  const started = performance.now();
  let sinceSync = 0;
  for (let written = 0; written < bytes; ) {
    const n = Math.min(chunk.length, bytes - written);
    written += writeSync(fd, chunk, 0, n);
    sinceSync += n;
    if (fsyncEveryBytes > 0 && sinceSync >= fsyncEveryBytes) {
      fsyncSync(fd);
      sinceSync = 0;
    }
  }
  if (fsyncEveryBytes > 0) fsyncSync(fd);
  const ms = performance.now() - started;
  closeSync(fd);
  rmSync(path);
  return { mbPerSec: round(bytes / MIB / (ms / 1000)), elapsedMs: Math.round(ms) };
}

// ------------------------------------------------------------------- broker

/** Microseconds on the monotonic clock V8 profiles use. */
function monotonicUs() {
  return Number(process.hrtime.bigint() / 1000n);
}

/** The top self-time functions of the phase's window only (no start-up or shutdown), and any per-record function seen. */
function summarizeProfiles(dir, title, window) {
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  return files.map((f) => {
    const summary = topSelfTime(JSON.parse(readFileSync(join(dir, f), "utf8")), positive(opts["profile-top"], "profile-top"), window);
    const perRecord = perRecordFunctionsIn(summary);
    return `### ${title}\n${formatTop(summary)}\n\nper-record functions sampled in this phase: ${perRecord.length === 0 ? "none" : perRecord.join(", ")}`;
  });
}

async function benchPolicy(name) {
  const policy = POLICIES[name];
  const dataDir = join(workDir, `data-${name}`);
  const profileDir = (phase) => (opts.profile ? join(workDir, `profile-${name}-${phase}`) : undefined);
  const profiles = [];
  const topic = "bench";

  const perfExtra = [];
  if (opts["batch-records"]) perfExtra.push("--batch-records", opts["batch-records"]);
  if (opts["max-in-flight"]) perfExtra.push("--max-in-flight", opts["max-in-flight"]);

  // The restarted broker keeps the port: its address is part of the persisted cluster metadata.
  const port = await freePort();
  let broker = await startBroker({ dataDir, overrides: policy.overrides, profileDir: profileDir("produce"), port });
  let produce;
  const produceWindow = { fromUs: 0, toUs: 0 };
  try {
    await run([CLI, "topics", "create", topic, "--bootstrap-server", broker.bootstrap, "--partitions", "1"]);
    const cpuBefore = broker.cpuMs();
    produceWindow.fromUs = monotonicUs();
    produce = lastJsonLine(
      await run([CLI, "perf", "produce", "--bootstrap-server", broker.bootstrap, "--topic", topic, "--num-records", String(records), "--record-size", String(recordSize), "--acks", "1", "--json", ...perfExtra]),
    );
    produceWindow.toUs = monotonicUs();
    produce.brokerCpuMs = Math.round(broker.cpuMs() - cpuBefore);
  } finally {
    await broker.stop();
  }
  if (opts.profile) profiles.push(...summarizeProfiles(profileDir("produce"), `broker CPU profile, produce phase, ${name}`, produceWindow));

  // A fresh broker process on the same data: the consume phase is profiled on its own.
  broker = await startBroker({ dataDir, overrides: policy.overrides, profileDir: profileDir("consume"), port });
  let consume;
  const consumeWindow = { fromUs: 0, toUs: 0 };
  try {
    const cpuBefore = broker.cpuMs();
    consumeWindow.fromUs = monotonicUs();
    consume = lastJsonLine(await run([CLI, "perf", "consume", "--bootstrap-server", broker.bootstrap, "--topic", topic, "--messages", String(records), "--json"]));
    consumeWindow.toUs = monotonicUs();
    consume.brokerCpuMs = Math.round(broker.cpuMs() - cpuBefore);
  } finally {
    await broker.stop();
  }
  if (opts.profile) profiles.push(...summarizeProfiles(profileDir("consume"), `broker CPU profile, consume phase, ${name}`, consumeWindow));
  rmSync(dataDir, { recursive: true, force: true });
  return { policy: name, label: policy.label, produce, consume, profiles };
}

// --------------------------------------------------------------------- main

const startedAt = performance.now();
const baselines = {
  tcpLoopback: await tcpBaseline(totalBytes),
  fileWrite: fileBaseline(totalBytes, 0),
  fileWriteFsyncPerMiB: fileBaseline(totalBytes, MIB),
};
const results = [];
for (const p of policies) results.push(await benchPolicy(p));
const elapsedMs = Math.round(performance.now() - startedAt);

if (opts.json) {
  console.log(JSON.stringify({ records, recordSize, baselines, results: results.map(({ profiles, ...r }) => r), elapsedMs }));
} else {
  const mb = (totalBytes / MIB).toFixed(0);
  const lines = [
    `samsa single-node benchmark: ${records} records x ${recordSize} B (${mb} MiB), acks=1, 1 partition, loopback, separate processes`,
    "",
    "baselines (same run):",
    `  TCP loopback blast, node -> node    ${baselines.tcpLoopback.mbPerSec} MB/s`,
    `  file write loop (1 MiB writes)      ${baselines.fileWrite.mbPerSec} MB/s`,
    `  file write + fdatasync every 1 MiB  ${baselines.fileWriteFsyncPerMiB.mbPerSec} MB/s`,
    "",
  ];
  for (const r of results) {
    const p = r.produce;
    const l = p.latencyMs;
    lines.push(`${r.policy}: ${r.label}`);
    lines.push(
      `  produce  ${p.mbPerSec} MB/s  ${p.recordsPerSec} records/s  latency ms p50 ${l.p50} p95 ${l.p95} p99 ${l.p99} max ${l.max}` +
        `  (${pct(p.mbPerSec, baselines.tcpLoopback.mbPerSec)} of TCP baseline, ${pct(p.mbPerSec, r.policy === "fsync" ? baselines.fileWriteFsyncPerMiB.mbPerSec : baselines.fileWrite.mbPerSec)} of file baseline)`,
    );
    const c = r.consume;
    lines.push(`  consume  ${c.mbPerSec} MB/s  ${c.recordsPerSec} records/s  (${pct(c.mbPerSec, baselines.tcpLoopback.mbPerSec)} of TCP baseline)`);
    lines.push(`  CPU per MiB moved: produce broker ${cpuPerMiB(p.brokerCpuMs, p)} ms, tool ${cpuPerMiB(p.cpuMs.user + p.cpuMs.system, p)} ms; consume broker ${cpuPerMiB(c.brokerCpuMs, c)} ms, tool ${cpuPerMiB(c.cpuMs.user + c.cpuMs.system, c)} ms`);
    lines.push("");
  }
  lines.push(`total ${(elapsedMs / 1000).toFixed(1)} s`);
  console.log(lines.join("\n"));
  for (const r of results) for (const p of r.profiles) console.log("\n" + p);
}

function cpuPerMiB(cpuMs, summary) {
  return (cpuMs / (summary.bytes / MIB)).toFixed(2);
}

function pct(a, b) {
  return `${((100 * a) / b).toFixed(0)}%`;
}
