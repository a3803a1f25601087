import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, loadBrokerConfig, startBroker, type BrokerHandle } from "@samsa/broker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCKER_DIR } from "./repo-paths.js";

const PROBE = join(DOCKER_DIR, "probe.mjs");
const NODE_ID = 4;
const PROBE_RUN_TIMEOUT_MS = 15_000;

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the container probe as the container runs it: a separate node process. */
function runProbe(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PROBE, ...args], { env: { PATH: process.env.PATH ?? "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), PROBE_RUN_TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

let dir: string;
let broker: BrokerHandle;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "samsa-deploy-check-"));
  const config = loadBrokerConfig({
    overrides: [`node.id=${NODE_ID}`, "listeners=PLAINTEXT://127.0.0.1:0", `log.dirs=${join(dir, "data")}`, "metrics.port=0", "metrics.host=127.0.0.1"],
  });
  broker = await startBroker(config, { logger: createLogger({ level: "silent" }) });
});

afterAll(async () => {
  await broker?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("samsa-probe (docker/probe.mjs) against a running broker", () => {
  it("live: ApiVersions answers", async () => {
    const r = await runProbe(["live", "--port", String(broker.port)]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^live: 127\.0\.0\.1:\d+ answers ApiVersions \(\d+ APIs\)\n$/);
  });

  it("ready: the broker lists its own node id; the id comes from SAMSA_NODE_ID and the port from SAMSA_LISTENERS", async () => {
    const r = await runProbe(["ready"], {
      SAMSA_NODE_ID: String(NODE_ID),
      SAMSA_LISTENERS: `CONTROLLER://:1,PLAINTEXT://127.0.0.1:${broker.port}`,
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`ready: node ${NODE_ID} is registered (brokers [${NODE_ID}])\n`);
    expect(r.status).toBe(0);
  });

  it("not ready when the broker does not list the node id", async () => {
    const r = await runProbe(["ready", "--port", String(broker.port), "--node-id", String(NODE_ID + 1)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`not ready: node ${NODE_ID + 1} is not among the registered brokers [${NODE_ID}]`);
  });

  it("unhealthy when nothing listens, usage error without a mode or a node id", async () => {
    const closed = await runProbe(["live", "--port", "1", "--timeout-ms", "2000"]);
    expect(closed.status).toBe(1);
    expect(closed.stderr).toMatch(/samsa-probe: 127\.0\.0\.1:1: connect ECONNREFUSED/);
    expect((await runProbe([])).status).toBe(2);
    expect((await runProbe(["ready", "--port", String(broker.port)])).status).toBe(2);
  });
});

describe("the Grafana dashboard", () => {
  it("queries only metrics the broker exports", async () => {
    const text = await (await fetch(`http://127.0.0.1:${broker.metricsPort}/metrics`)).text();
    const exported = new Set(["up"]);
    for (const [, name, type] of text.matchAll(/^# TYPE (\w+) (\w+)$/gm)) {
      exported.add(name!);
      if (type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) exported.add(name! + suffix);
    }
    const dashboard = JSON.parse(readFileSync(join(DOCKER_DIR, "grafana", "dashboards", "samsa-overview.json"), "utf8")) as {
      panels: { targets: { expr: string }[] }[];
    };
    const queried = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\b(?:kafka|samsa)_\w+|\bup\b/g) ?? []));
    expect(queried.length).toBeGreaterThan(5);
    for (const name of queried) expect(exported, name).toContain(name);
  });
});
