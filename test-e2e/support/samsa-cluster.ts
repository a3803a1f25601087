import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import { SAMSA_IMAGE } from "./e2e-env.js";
import { freePort } from "./free-port.js";

const NODE_IDS = [1, 2, 3] as const;
const INTERNAL_PORT = 9092;
const CONTROLLER_PORT = 9093;
const EXTERNAL_PORT = 9094;
const READY_TIMEOUT_MS = 120_000;
// Faster than the image's 10 s HEALTHCHECK so a test does not idle waiting for it.
const READY_CHECK_INTERVAL_MS = 2_000;
const READY_CHECK_TIMEOUT_MS = 6_000;
const READY_CHECK_RETRIES = 3;
// 16 bytes, base64url, as `kafka-storage random-uuid` prints one.
const CLUSTER_ID = "6kR3xGm1T0a8QvYw2pLzNA";

export interface ClusterContainer {
  nodeId: number;
  /** Name on the cluster network (the controller quorum and inter-broker traffic use it). */
  hostname: string;
  container: StartedTestContainer;
  /** 127.0.0.1:<published port>, what the EXTERNAL listener advertises. */
  bootstrap: string;
}

export interface ContainerCluster {
  network: StartedNetwork;
  nodes: ClusterContainer[];
  /** Every node's external address, for host clients. */
  brokers: string[];
  stop(): Promise<void>;
}

/**
 * Three combined broker+controller nodes on a user-defined network, laid out as
 * docker/docker-compose.yml does it: INTERNAL (9092) for the network and
 * inter-broker traffic, CONTROLLER (9093) for the quorum, EXTERNAL (9094)
 * published on a host port chosen beforehand and advertised as 127.0.0.1:<port>.
 * The nodes start together: none can pass the readiness check before a quorum forms.
 */
export async function startContainerCluster(extraEnv: Record<string, string> = {}): Promise<ContainerCluster> {
  const network = await new Network().start();
  // Network aliases are scoped to this network, so parallel runs cannot clash.
  const hostnames = NODE_IDS.map((id) => `samsa-${id}`);
  const voters = NODE_IDS.map((id, i) => `${id}@${hostnames[i]}:${CONTROLLER_PORT}`).join(",");
  const hostPorts = await Promise.all(NODE_IDS.map(() => freePort()));
  const started = await Promise.allSettled(
    NODE_IDS.map((nodeId, i) =>
      new GenericContainer(SAMSA_IMAGE)
        .withNetwork(network)
        .withNetworkAliases(hostnames[i]!)
        .withHostname(hostnames[i]!)
        .withEnvironment({
          SAMSA_NODE_ID: String(nodeId),
          SAMSA_CLUSTER_ID: CLUSTER_ID,
          SAMSA_PROCESS_ROLES: "broker,controller",
          SAMSA_CONTROLLER_QUORUM_VOTERS: voters,
          SAMSA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
          SAMSA_LISTENERS: `INTERNAL://:${INTERNAL_PORT},EXTERNAL://:${EXTERNAL_PORT},CONTROLLER://:${CONTROLLER_PORT}`,
          SAMSA_LISTENER_SECURITY_PROTOCOL_MAP: "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
          SAMSA_INTER_BROKER_LISTENER_NAME: "INTERNAL",
          SAMSA_ADVERTISED_LISTENERS: `INTERNAL://${hostnames[i]}:${INTERNAL_PORT},EXTERNAL://127.0.0.1:${hostPorts[i]}`,
          SAMSA_OFFSETS_TOPIC_REPLICATION_FACTOR: "3",
          ...extraEnv,
        })
        .withExposedPorts({ container: EXTERNAL_PORT, host: hostPorts[i]! })
        .withHealthCheck({
          test: ["CMD", "samsa-probe", "ready"],
          interval: READY_CHECK_INTERVAL_MS,
          timeout: READY_CHECK_TIMEOUT_MS,
          retries: READY_CHECK_RETRIES,
          startPeriod: READY_TIMEOUT_MS,
        })
        .withWaitStrategy(Wait.forHealthCheck())
        .withStartupTimeout(READY_TIMEOUT_MS)
        .start(),
    ),
  );
  const containers = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const stop = async () => {
    await Promise.allSettled(containers.map((c) => c.stop()));
    await network.stop();
  };
  const failure = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure !== undefined) {
    await stop();
    throw failure.reason;
  }
  const nodes = NODE_IDS.map((nodeId, i) => ({
    nodeId,
    hostname: hostnames[i]!,
    container: containers[i]!,
    bootstrap: `127.0.0.1:${hostPorts[i]}`,
  }));
  return { network, nodes, brokers: nodes.map((n) => n.bootstrap), stop };
}
