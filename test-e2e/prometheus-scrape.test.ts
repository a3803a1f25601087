import { IN_CI, SAMSA_IMAGE } from "./support/e2e-env.js";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import kafkajs from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "./support/free-port.js";
import { startSingleNode, type SingleNode } from "./support/samsa-container.js";

const { Kafka, logLevel } = kafkajs;
const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";
const SCRAPE_INTERVAL = "1s";
const POLL_INTERVAL_MS = 500;
const CONDITION_TIMEOUT_MS = 45_000;

const dockerUnavailable = inject("dockerUnavailable");
const prometheusMissing = existsSync(PROMETHEUS_BIN) ? null : `${PROMETHEUS_BIN} not found (apt-get install prometheus)`;
if (prometheusMissing !== null && dockerUnavailable === null) {
  if (IN_CI) throw new Error(`CI is set but ${prometheusMissing}`);
  process.stderr.write(`test-e2e: ${prometheusMissing}; skipping the Prometheus test\n`);
}

interface PromResponse<T> {
  status: string;
  data: T;
}

/** Polls until `check` returns a value (not undefined), or fails with the last observation. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + CONDITION_TIMEOUT_MS;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${CONDITION_TIMEOUT_MS} ms (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
}

describe.skipIf(dockerUnavailable !== null || prometheusMissing !== null)(`a real Prometheus scraping ${SAMSA_IMAGE}`, () => {
  let node: SingleNode;
  let prometheus: ChildProcess;
  let prometheusUrl: string;
  let dir: string;

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${prometheusUrl}${path}`);
    const body = (await res.json()) as PromResponse<T>;
    if (body.status !== "success") throw new Error(`${path}: ${JSON.stringify(body)}`);
    return body.data;
  };

  beforeAll(async () => {
    node = await startSingleNode();
    dir = mkdtempSync(join(tmpdir(), "samsa-e2e-prometheus-"));
    writeFileSync(
      join(dir, "prometheus.yml"),
      [
        "global:",
        `  scrape_interval: ${SCRAPE_INTERVAL}`,
        "scrape_configs:",
        "  - job_name: samsa",
        "    static_configs:",
        `      - targets: ["127.0.0.1:${node.metricsPort}"]`,
        "",
      ].join("\n"),
    );
    const webPort = await freePort();
    prometheusUrl = `http://127.0.0.1:${webPort}`;
    prometheus = spawn(
      PROMETHEUS_BIN,
      [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${webPort}`],
      { stdio: "ignore" },
    );
    await eventually("Prometheus ready", async () => ((await fetch(`${prometheusUrl}/-/ready`)).ok ? true : undefined));
  });

  afterAll(async () => {
    prometheus?.kill("SIGTERM");
    await node?.container.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("every target is up", async () => {
    const targets = await eventually("all targets up", async () => {
      const data = await api<{ activeTargets: { health: string; scrapeUrl: string }[] }>("/api/v1/targets");
      return data.activeTargets.length > 0 && data.activeTargets.every((t) => t.health === "up") ? data.activeTargets : undefined;
    });
    expect(targets.map((t) => t.scrapeUrl)).toEqual([`http://127.0.0.1:${node.metricsPort}/metrics`]);
  });

  it("bytes-in is above zero after a produce", async () => {
    const kafka = new Kafka({ brokers: [node.bootstrap], clientId: "e2e-metrics", logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "e2e-metrics", numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: "e2e-metrics", acks: -1, messages: [{ value: "x".repeat(1000) }] });
    await producer.disconnect();

    const bytesIn = await eventually("bytes-in > 0 in Prometheus", async () => {
      const data = await api<{ result: { value: [number, string] }[] }>(
        `/api/v1/query?query=${encodeURIComponent('sum(kafka_server_brokertopicmetrics_bytesin_total{topic="e2e-metrics"})')}`,
      );
      const value = Number(data.result[0]?.value[1] ?? 0);
      return value > 0 ? value : undefined;
    });
    expect(bytesIn).toBeGreaterThan(1000);
  });
});
