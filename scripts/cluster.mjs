#!/usr/bin/env node
// `npm run cluster`: a local 3-node cluster as separate processes (each a combined
// broker+controller), data under ./data/node-<id>, logs beside it (./data/node-<id>.log;
// a single node on ./data skips these dirs: they hold meta.properties). Prints the
// bootstrap servers once every node answers; Ctrl-C stops all nodes cleanly
// (SIGTERM: controlled shutdown), SIGKILL after a bound.
//
//   npm run cluster                      # Kafka on 9092, 9094, 9096; controllers on 9093, 9095, 9097
//   npm run cluster -- --base-port 19092 # Kafka on 19092, 19094, 19096; controllers one above each
//   npm run cluster -- --nodes 5
import { spawn } from "node:child_process";
import { mkdirSync, openSync, closeSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BROKER_NODE_FLAGS, probeKafka } from "../packages/testkit/dist/index.js";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const cli = join(root, "packages", "cli", "dist", "main.js");
const HOST = "127.0.0.1";
const CLUSTER_ID = "samsa-local-cluster-0001";
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name} needs a positive integer`);
    process.exit(2);
  }
  return value;
}

const nodeCount = option("nodes", 3);
const basePort = option("base-port", 9092);
const dataRoot = join(root, "data");
const nodes = Array.from({ length: nodeCount }, (_, i) => ({
  id: i + 1,
  kafkaPort: basePort + 2 * i,
  controllerPort: basePort + 2 * i + 1,
  dataDir: join(dataRoot, `node-${i + 1}`),
  logFile: join(dataRoot, `node-${i + 1}.log`),
  child: null,
  exited: null,
}));
const voters = nodes.map((n) => `${n.id}@${HOST}:${n.controllerPort}`).join(",");
const bootstrap = nodes.map((n) => `${HOST}:${n.kafkaPort}`).join(",");

let stopping = false;

function start(node) {
  mkdirSync(node.dataDir, { recursive: true });
  const overrides = {
    "node.id": node.id,
    "process.roles": "broker,controller",
    "cluster.id": CLUSTER_ID,
    listeners: `PLAINTEXT://${HOST}:${node.kafkaPort},CONTROLLER://${HOST}:${node.controllerPort}`,
    "controller.quorum.voters": voters,
    "log.dirs": node.dataDir,
    "default.replication.factor": Math.min(3, nodeCount),
    "offsets.topic.replication.factor": Math.min(3, nodeCount),
  };
  const args = [cli, "server", "start"];
  for (const [key, value] of Object.entries(overrides)) args.push("--override", `${key}=${value}`);
  const log = openSync(node.logFile, "a");
  // Own process group: Ctrl-C reaches only this script, which stops the nodes in order.
  node.child = spawn(process.execPath, [...BROKER_NODE_FLAGS, ...args], { cwd: root, stdio: ["ignore", log, log], detached: true });
  closeSync(log);
  node.exited = new Promise((resolveExit) =>
    node.child.once("exit", (code, signal) => {
      node.child = null;
      if (!stopping) console.error(`node ${node.id} exited (${signal ?? `code ${code}`}); see ${node.logFile}`);
      resolveExit();
    }),
  );
}

async function waitReady(node) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!node.child) throw new Error(`node ${node.id} exited during start-up; see ${node.logFile}`);
    try {
      if ((await probeKafka(HOST, node.kafkaPort, 1000)).errorCode === 0) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`node ${node.id} did not answer on ${HOST}:${node.kafkaPort} within ${READY_TIMEOUT_MS} ms; see ${node.logFile}`);
}

async function stopAll() {
  if (stopping) return;
  stopping = true;
  console.log("\nstopping the cluster (controlled shutdown)...");
  for (const node of nodes) node.child?.kill("SIGTERM");
  const timer = setTimeout(() => {
    for (const node of nodes) {
      if (!node.child) continue;
      console.error(`node ${node.id} did not stop within ${STOP_TIMEOUT_MS} ms; killing it`);
      node.child.kill("SIGKILL");
    }
  }, STOP_TIMEOUT_MS);
  await Promise.all(nodes.map((n) => n.exited));
  clearTimeout(timer);
  console.log("cluster stopped");
  process.exit(0);
}

process.on("SIGINT", () => void stopAll());
process.on("SIGTERM", () => void stopAll());

for (const node of nodes) start(node);
try {
  await Promise.all(nodes.map(waitReady));
} catch (error) {
  console.error(error.message);
  await stopAll();
}
console.log(`samsa cluster of ${nodeCount} nodes (cluster.id ${CLUSTER_ID}) is up`);
for (const node of nodes) console.log(`  node ${node.id}: kafka ${HOST}:${node.kafkaPort}, controller ${HOST}:${node.controllerPort}, data ${node.dataDir}, log ${node.logFile}`);
console.log(`\nbootstrap servers: ${bootstrap}`);
console.log(`\ntry: node packages/cli/dist/main.js metadata-quorum describe --status --bootstrap-server ${bootstrap}`);
console.log("Ctrl-C stops every node.");
