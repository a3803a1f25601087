import { join } from "node:path";
import { loadBrokerConfig } from "@samsa/broker";
import { describe, expect, it } from "vitest";
import { loadYamlDocument } from "../src/index.js";
import { DOCKER_DIR } from "./repo-paths.js";

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  profiles?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

const compose = loadYamlDocument(join(DOCKER_DIR, "docker-compose.yml")) as ComposeFile;
const samsaServices = Object.entries(compose.services).filter(([, s]) => s.image?.startsWith("samsa:"));

/** Compose's `${VAR:-default}` interpolation, with no variables set. */
function interpolate(text: string): string {
  return text.replace(/\$\{(\w+):-([^}]*)\}/g, (_m, _name: string, fallback: string) => fallback);
}

/** The broker config a node's container would load from its environment. */
function nodeConfig(service: ComposeService) {
  return loadBrokerConfig({ env: Object.fromEntries(Object.entries(service.environment!).map(([k, v]) => [k, interpolate(String(v))])) });
}

describe("docker-compose.yml", () => {
  it("has three Samsa nodes built from docker/Dockerfile, each with its own named volume and a broker-level healthcheck", () => {
    expect(samsaServices.map(([name]) => name)).toEqual(["samsa-1", "samsa-2", "samsa-3"]);
    const mounts = new Set<string>();
    for (const [name, s] of samsaServices) {
      expect(s.build, name).toEqual({ context: "..", dockerfile: "docker/Dockerfile" });
      expect(s.healthcheck?.test, name).toEqual(["CMD", "samsa-probe", "ready"]);
      const [volume, target] = s.volumes![0]!.split(":");
      expect(target).toBe("/var/lib/samsa");
      expect(compose.volumes).toHaveProperty(volume!);
      mounts.add(volume!);
    }
    expect(mounts.size).toBe(3);
  });

  it("each node's environment is a valid broker config: voters over the compose network, internal and host-reachable listeners", () => {
    const hostPorts = new Set<number>();
    const voters = samsaServices.map(([name], i) => `${i + 1}@${name}:9093`);
    for (const [name, s] of samsaServices) {
      const config = nodeConfig(s);
      expect(config.controllerQuorumVoters).toEqual(voters);
      expect(voters).toContain(`${config.nodeId}@${name}:${config.controllerListeners[0]!.port}`);
      const advertised = new Map(config.advertisedListeners.map((l) => [l.name, l]));
      const bound = new Map(config.listeners.map((l) => [l.name, l]));
      expect(advertised.get("INTERNAL")).toMatchObject({ host: name, port: bound.get("INTERNAL")!.port });
      // The EXTERNAL listener is published on the host port it advertises.
      const external = advertised.get("EXTERNAL")!;
      expect(external.host).toBe("localhost");
      expect(s.ports).toEqual([`${external.port}:${bound.get("EXTERNAL")!.port}`]);
      hostPorts.add(external.port);
      expect(config.values.get("inter.broker.listener.name")).toBe("INTERNAL");
    }
    expect(hostPorts.size).toBe(3);
  });

  it("Prometheus (monitoring profile) scrapes every node's metrics port", () => {
    expect(compose.services.prometheus?.profiles).toEqual(["monitoring"]);
    expect(compose.services.grafana?.profiles).toEqual(["monitoring"]);
    const prometheus = loadYamlDocument(join(DOCKER_DIR, "prometheus", "prometheus.yml")) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    const expected = samsaServices.map(([name, s]) => `${name}:${nodeConfig(s).metricsPort}`);
    expect(targets).toEqual(expected);
  });
});
