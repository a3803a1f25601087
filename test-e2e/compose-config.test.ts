import { describe, expect, inject, it } from "vitest";
import { COMPOSE_FILE, composeCommand, runCompose } from "./support/compose.js";

const COMPOSE_TIMEOUT_MS = 30_000;
const compose = await composeCommand(inject("dockerUnavailable"), "the compose file check");

describe.skipIf(compose === null)("docker/docker-compose.yml as Docker Compose reads it", () => {
  const config = (...args: string[]) => runCompose(compose!, ["-f", COMPOSE_FILE, ...args], { timeoutMs: COMPOSE_TIMEOUT_MS, env: { ADVERTISED_HOST: "" } });

  it("is accepted with and without the monitoring profile and defines the three nodes plus Prometheus and Grafana", async () => {
    await config("config", "-q");
    await config("--profile", "monitoring", "config", "-q");
    // docker-compose v1 lists profiled services here too, v2 only with --profile; which
    // services a profile holds is checked offline (packages/deploy-check).
    const services = (await config("--profile", "monitoring", "config", "--services")).stdout.trim().split("\n").sort();
    expect(services).toEqual(["grafana", "prometheus", "samsa-1", "samsa-2", "samsa-3"]);
  });
});
