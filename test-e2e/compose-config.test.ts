import { IN_CI } from "./support/e2e-env.js";
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";

const run = promisify(execFile);
const COMPOSE_FILE = join(dirname(fileURLToPath(import.meta.url)), "..", "docker", "docker-compose.yml");
const COMPOSE_TIMEOUT_MS = 30_000;

/** `docker compose` (v2 plugin) when installed, else the standalone `docker-compose`. */
async function findCompose(): Promise<string[] | null> {
  for (const command of [["docker", "compose"], ["docker-compose"]]) {
    try {
      await run(command[0]!, [...command.slice(1), "version"], { timeout: COMPOSE_TIMEOUT_MS });
      return command;
    } catch {
      // try the next one
    }
  }
  return null;
}

const dockerUnavailable = inject("dockerUnavailable");
const compose = dockerUnavailable === null ? await findCompose() : null;
if (dockerUnavailable === null && compose === null) {
  if (IN_CI) throw new Error("CI is set but neither `docker compose` nor `docker-compose` is installed");
  process.stderr.write("test-e2e: neither `docker compose` nor `docker-compose` is installed; skipping the compose file check\n");
}

describe.skipIf(compose === null)("docker/docker-compose.yml as Docker Compose reads it", () => {
  const config = (...args: string[]) =>
    run(compose![0]!, [...compose!.slice(1), "-f", COMPOSE_FILE, ...args], { timeout: COMPOSE_TIMEOUT_MS, env: { ...process.env, ADVERTISED_HOST: "" } });

  it("is accepted with and without the monitoring profile and defines the three nodes plus Prometheus and Grafana", async () => {
    await config("config", "-q");
    await config("--profile", "monitoring", "config", "-q");
    // docker-compose v1 lists profiled services here too, v2 only with --profile; which
    // services a profile holds is checked offline (packages/deploy-check).
    const services = (await config("--profile", "monitoring", "config", "--services")).stdout.trim().split("\n").sort();
    expect(services).toEqual(["grafana", "prometheus", "samsa-1", "samsa-2", "samsa-3"]);
  });
});
