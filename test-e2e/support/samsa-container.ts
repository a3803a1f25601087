import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { SAMSA_IMAGE } from "./e2e-env.js";
import { freePort } from "./free-port.js";

export const KAFKA_PORT = 9092;
export const METRICS_PORT = 9404;
const HEALTHY_TIMEOUT_MS = 90_000;

export interface SingleNode {
  container: StartedTestContainer;
  /** host:port a client on this machine bootstraps from. */
  bootstrap: string;
  /** Host port of the Prometheus endpoint. */
  metricsPort: number;
}

/**
 * One broker from the built image, configured only through SAMSA_* variables
 * on top of the image defaults. The Kafka port is bound to a host port chosen
 * beforehand because the broker must advertise it; the container counts as
 * started once the image's own HEALTHCHECK (ApiVersions) passes.
 */
export async function startSingleNode(extraEnv: Record<string, string> = {}): Promise<SingleNode> {
  const hostPort = await freePort();
  const container = await new GenericContainer(SAMSA_IMAGE)
    .withEnvironment({ SAMSA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${hostPort}`, ...extraEnv })
    .withExposedPorts({ container: KAFKA_PORT, host: hostPort }, METRICS_PORT)
    .withWaitStrategy(Wait.forHealthCheck())
    .withStartupTimeout(HEALTHY_TIMEOUT_MS)
    .start();
  return { container, bootstrap: `127.0.0.1:${hostPort}`, metricsPort: container.getMappedPort(METRICS_PORT) };
}
