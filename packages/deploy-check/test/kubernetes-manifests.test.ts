import { readdirSync } from "node:fs";
import { join } from "node:path";
import { loadBrokerConfig } from "@samsa/broker";
import { beforeAll, describe, expect, it } from "vitest";
import { loadYamlDocument, loadYamlDocuments, schemaProblems, unknownFieldProblems, type YamlDocument } from "../src/index.js";
import { KUBERNETES_DIR, PACKAGE_DIR } from "./repo-paths.js";

interface Meta {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface Probe {
  exec?: { command: string[] };
}
interface Container {
  name: string;
  command?: string[];
  ports: { name: string; containerPort: number }[];
  env: EnvVar[];
  envFrom: { configMapRef: { name: string } }[];
  startupProbe: Probe;
  livenessProbe: Probe;
  readinessProbe: Probe;
  lifecycle: { preStop: Probe };
  volumeMounts: { name: string; mountPath: string }[];
}
interface StatefulSet {
  metadata: Meta;
  spec: {
    serviceName: string;
    replicas: number;
    podManagementPolicy: string;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: Meta; spec: { terminationGracePeriodSeconds: number; containers: Container[] } };
    volumeClaimTemplates: { metadata: Meta }[];
  };
}
interface Service {
  metadata: Meta;
  spec: { clusterIP?: string; publishNotReadyAddresses?: boolean; selector: Record<string, string>; ports: { name: string; port: number; targetPort: string | number }[] };
}

const MANIFEST_FILES = readdirSync(KUBERNETES_DIR).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml");

let manifests: YamlDocument[];
const byKind = <T>(kind: string): T[] => manifests.filter((m) => (m.value as { kind: string }).kind === kind).map((m) => m.value as T);
const one = <T>(kind: string, name?: string): T => {
  const found = byKind<T & { metadata: Meta }>(kind).filter((m) => name === undefined || m.metadata.name === name);
  expect(found, `${kind} ${name ?? ""}`).toHaveLength(1);
  return found[0]!;
};

beforeAll(() => {
  manifests = MANIFEST_FILES.flatMap((f) => loadYamlDocuments(join(KUBERNETES_DIR, f), f));
});

describe("Kubernetes manifests against the Kubernetes schemas (offline)", () => {
  it("every manifest file is listed in kustomization.yaml and vice versa", () => {
    const kustomization = loadYamlDocument(join(KUBERNETES_DIR, "kustomization.yaml")) as { resources: string[] };
    expect([...kustomization.resources].sort()).toEqual([...MANIFEST_FILES].sort());
  });

  it("each manifest validates against the OpenAPI schema of its kind", () => {
    expect(manifests.length).toBeGreaterThanOrEqual(5);
    for (const m of manifests) expect(schemaProblems(m.value), m.label).toEqual([]);
  });

  it("no manifest has a field the Kubernetes API does not know", () => {
    expect(unknownFieldProblems(manifests, PACKAGE_DIR)).toEqual([]);
  });

  it("the checks catch a misspelt field, a wrong type and an unknown kind", () => {
    const sts = structuredClone(one<StatefulSet>("StatefulSet"));
    (sts.spec.template.spec.containers[0] as unknown as Record<string, unknown>).readinesProbe = {};
    expect(unknownFieldProblems([{ label: "typo", value: sts }], PACKAGE_DIR).join("\n")).toMatch(/typo: .*readinesProbe/);
    const wrongType = structuredClone(one<StatefulSet>("StatefulSet")) as unknown as { spec: { replicas: unknown } };
    wrongType.spec.replicas = "3";
    expect(schemaProblems(wrongType).join("\n")).toMatch(/replicas/);
    expect(schemaProblems({ apiVersion: "apps/v1", kind: "StatefullSet" })).toEqual(["unknown kind StatefullSet in apps/v1"]);
  });
});

describe("the StatefulSet runs a quorum as the README describes", () => {
  it("node id from the pod ordinal, parallel start, persistent volume per pod", () => {
    const sts = one<StatefulSet>("StatefulSet");
    expect(sts.spec.podManagementPolicy).toBe("Parallel");
    const container = sts.spec.template.spec.containers[0]!;
    const nodeId = container.env.find((e) => e.name === "SAMSA_NODE_ID");
    expect(nodeId?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.labels['apps.kubernetes.io/pod-index']");
    const claim = sts.spec.volumeClaimTemplates[0]!.metadata.name;
    expect(container.volumeMounts).toContainEqual({ name: claim, mountPath: "/var/lib/samsa" });
    expect(sts.spec.template.metadata.labels).toMatchObject(sts.spec.selector.matchLabels);
  });

  it("probes ask the broker; preStop waits less than the grace period", () => {
    const sts = one<StatefulSet>("StatefulSet");
    const c = sts.spec.template.spec.containers[0]!;
    expect(c.readinessProbe.exec?.command).toEqual(["samsa-probe", "ready"]);
    expect(c.livenessProbe.exec?.command).toEqual(["samsa-probe", "live"]);
    expect(c.startupProbe.exec?.command).toEqual(["samsa-probe", "live"]);
    const [hook, waitS] = c.lifecycle.preStop.exec!.command;
    expect(hook).toBe("samsa-pre-stop");
    expect(Number(waitS)).toBeLessThan(sts.spec.template.spec.terminationGracePeriodSeconds);
  });

  it("the headless service publishes not-ready pods and the client service selects the pods", () => {
    const sts = one<StatefulSet>("StatefulSet");
    const headless = one<Service>("Service", sts.spec.serviceName);
    expect(headless.spec.clusterIP).toBe("None");
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    const portNames = new Set(sts.spec.template.spec.containers[0]!.ports.map((p) => p.name));
    for (const svc of byKind<Service>("Service")) {
      expect(sts.spec.template.metadata.labels, svc.metadata.name).toMatchObject(svc.spec.selector);
      for (const p of svc.spec.ports) expect(portNames.has(String(p.targetPort)), `${svc.metadata.name} ${p.name}`).toBe(true);
    }
    const pdb = one<{ spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } } }>("PodDisruptionBudget");
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(sts.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
  });

  it("Prometheus scrape annotations point at the metrics port", () => {
    const sts = one<StatefulSet>("StatefulSet");
    const annotations = sts.spec.template.metadata.annotations!;
    expect(annotations["prometheus.io/scrape"]).toBe("true");
    const metricsPort = sts.spec.template.spec.containers[0]!.ports.find((p) => p.name === "metrics")!.containerPort;
    expect(Number(annotations["prometheus.io/port"])).toBe(metricsPort);
  });

  it("each pod's environment is a valid broker config whose voters are the first pods over the headless service", () => {
    const sts = one<StatefulSet>("StatefulSet");
    const container = sts.spec.template.spec.containers[0]!;
    const configMap = one<{ metadata: Meta; data: Record<string, string> }>("ConfigMap", container.envFrom[0]!.configMapRef.name);
    const kafkaPort = container.ports.find((p) => p.name === "kafka")!.containerPort;
    const controllerPort = container.ports.find((p) => p.name === "controller")!.containerPort;
    const namespace = "streaming";
    for (let ordinal = 0; ordinal < sts.spec.replicas; ordinal++) {
      const podName = `${sts.metadata.name}-${ordinal}`;
      const env: Record<string, string> = { ...configMap.data };
      const downward: Record<string, string> = {
        "metadata.labels['apps.kubernetes.io/pod-index']": String(ordinal),
        "metadata.name": podName,
        "metadata.namespace": namespace,
      };
      for (const e of container.env) {
        const value = e.value ?? downward[e.valueFrom!.fieldRef!.fieldPath];
        expect(value, e.name).toBeDefined();
        env[e.name] = value!.replace(/\$\((\w+)\)/g, (_m, name: string) => env[name]!);
      }
      const config = loadBrokerConfig({ env });
      expect(config.nodeId).toBe(ordinal);
      expect(config.logDirs).toEqual(["/var/lib/samsa/data"]);
      expect(config.metricsPort).toBe(Number(sts.spec.template.metadata.annotations!["prometheus.io/port"]));
      expect(config.advertisedListeners.map((l) => `${l.host}:${l.port}`)).toEqual([
        `${podName}.${sts.spec.serviceName}.${namespace}.svc.cluster.local:${kafkaPort}`,
      ]);
      expect(config.listeners.map((l) => l.port)).toEqual([kafkaPort]);
      expect(config.controllerListeners.map((l) => l.port)).toEqual([controllerPort]);
      expect(config.controllerQuorumVoters).toEqual(
        [0, 1, 2].map((id) => `${id}@${sts.metadata.name}-${id}.${sts.spec.serviceName}:${controllerPort}`),
      );
    }
  });
});
