import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IN_CI } from "./e2e-env.js";
import { eventually } from "./eventually.js";
import { freePort } from "./free-port.js";

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";
const SCRAPE_INTERVAL = "1s";
const READY_TIMEOUT_MS = 45_000;
const POLL_INTERVAL_MS = 500;

/**
 * Why the host's Prometheus cannot run (null when it can). In CI a missing
 * binary fails the run; elsewhere the caller skips with the message printed.
 */
export function prometheusMissing(dockerUnavailable: string | null): string | null {
  const missing = existsSync(PROMETHEUS_BIN) ? null : `${PROMETHEUS_BIN} not found (apt-get install prometheus)`;
  if (missing !== null && dockerUnavailable === null) {
    if (IN_CI) throw new Error(`CI is set but ${missing}`);
    process.stderr.write(`test-e2e: ${missing}; skipping the Prometheus test\n`);
  }
  return missing;
}

interface PromResponse<T> {
  status: string;
  data: T;
}

export interface PromTarget {
  health: string;
  scrapeUrl: string;
}

export interface HostPrometheus {
  url: string;
  /** GET on the HTTP API; throws unless Prometheus answers "success". */
  api<T>(path: string): Promise<T>;
  /** The value of an instant query's first sample, 0 when it has none. */
  queryScalar(query: string): Promise<number>;
  /** Waits until there are `count` targets, all up, and returns them. */
  targetsUp(count: number, timeoutMs: number): Promise<PromTarget[]>;
  stop(): Promise<void>;
}

/**
 * Debian's prometheus binary scraping `targets` (host:port) every second, with
 * its config and TSDB in a temporary directory and its API on a free
 * 127.0.0.1 port.
 */
export async function startHostPrometheus(targets: readonly string[]): Promise<HostPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "samsa-e2e-prometheus-"));
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global:",
      `  scrape_interval: ${SCRAPE_INTERVAL}`,
      "scrape_configs:",
      "  - job_name: samsa",
      "    static_configs:",
      `      - targets: [${targets.map((t) => JSON.stringify(t)).join(", ")}]`,
      "",
    ].join("\n"),
  );
  const webPort = await freePort();
  const url = `http://127.0.0.1:${webPort}`;
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${webPort}`],
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as PromResponse<T>;
    if (body.status !== "success") throw new Error(`${path}: ${JSON.stringify(body)}`);
    return body.data;
  };
  try {
    await eventually("Prometheus ready", READY_TIMEOUT_MS, async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), POLL_INTERVAL_MS);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    api,
    async queryScalar(query) {
      const data = await api<{ result: { value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(query)}`);
      return Number(data.result[0]?.value[1] ?? 0);
    },
    targetsUp(count, timeoutMs) {
      return eventually(`${count} Prometheus targets up`, timeoutMs, async () => {
        const data = await api<{ activeTargets: PromTarget[] }>("/api/v1/targets");
        return data.activeTargets.length === count && data.activeTargets.every((t) => t.health === "up") ? data.activeTargets : undefined;
      }, POLL_INTERVAL_MS);
    },
    stop,
  };
}
