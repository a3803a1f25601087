import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBrokerProcess, type BrokerProcess } from "./broker-process.js";
import { findFreePort } from "./free-port.js";

const HOST = "127.0.0.1";

export interface ClusterProcessesOptions {
  /** Number of combined broker+controller nodes (ids 1..nodes). */
  nodes: number;
  /** cluster.id given to every node. */
  clusterId?: string;
  /** Extra `--override` settings for every node. */
  overrides?: Record<string, string | number | boolean>;
  /** Parent of the nodes' data dirs (node-<id>); a fresh temporary directory when omitted. */
  baseDir?: string;
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
}

export interface ClusterNode {
  readonly nodeId: number;
  readonly controllerPort: number;
  readonly process: BrokerProcess;
}

export interface ClusterProcesses {
  readonly nodes: readonly ClusterNode[];
  readonly clusterId: string;
  /** `controller.quorum.voters` of the cluster. */
  readonly voters: string;
  /** Every node's Kafka address, comma separated. */
  readonly bootstrap: string;
  node(id: number): ClusterNode;
  /** Kills every node (SIGKILL) and removes the temporary directory it created. */
  dispose(): Promise<void>;
}

/**
 * Starts `nodes` combined broker+controller processes on loopback: free ports for
 * each Kafka and CONTROLLER listener, one shared `controller.quorum.voters`, one
 * cluster id. Nodes start concurrently (a quorum needs a majority up) and each
 * counts as started once its Kafka listener answers ApiVersions.
 */
export async function startClusterProcesses(options: ClusterProcessesOptions): Promise<ClusterProcesses> {
  if (!Number.isInteger(options.nodes) || options.nodes < 1) throw new Error(`startClusterProcesses: nodes must be a positive integer, got ${options.nodes}`);
  const clusterId = options.clusterId ?? "samsa-test-cluster-0001";
  const ownDir = options.baseDir === undefined ? mkdtempSync(join(tmpdir(), "samsa-cluster-")) : null;
  const baseDir = options.baseDir ?? ownDir!;
  const ids = Array.from({ length: options.nodes }, (_, i) => i + 1);
  const ports = new Map<number, { kafka: number; controller: number }>();
  const taken = new Set<number>();
  for (const id of ids) {
    const pick = async () => {
      // A port handed out twice in one cluster would make two listeners collide.
      for (let attempt = 0; attempt < 20; attempt++) {
        const port = await findFreePort(HOST);
        if (!taken.has(port)) {
          taken.add(port);
          return port;
        }
      }
      throw new Error("startClusterProcesses: no distinct free port found");
    };
    ports.set(id, { kafka: await pick(), controller: await pick() });
  }
  const voters = ids.map((id) => `${id}@${HOST}:${ports.get(id)!.controller}`).join(",");
  const started: ClusterNode[] = [];
  try {
    const results = await Promise.allSettled(
      ids.map(async (id) => {
        const { kafka, controller } = ports.get(id)!;
        const process = await startBrokerProcess({
          dataDir: join(baseDir, `node-${id}`),
          logFile: join(baseDir, `node-${id}.log`),
          port: kafka,
          ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
          ...(options.stopTimeoutMs !== undefined ? { stopTimeoutMs: options.stopTimeoutMs } : {}),
          overrides: {
            "node.id": id,
            "process.roles": "broker,controller",
            "cluster.id": clusterId,
            listeners: `PLAINTEXT://${HOST}:${kafka},CONTROLLER://${HOST}:${controller}`,
            "controller.quorum.voters": voters,
            ...options.overrides,
          },
        });
        const node: ClusterNode = { nodeId: id, controllerPort: controller, process };
        started.push(node);
        return node;
      }),
    );
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  } catch (error) {
    await Promise.all(started.map((n) => n.process.dispose()));
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    throw error;
  }
  const nodes = [...started].sort((a, b) => a.nodeId - b.nodeId);
  return {
    nodes,
    clusterId,
    voters,
    bootstrap: nodes.map((n) => n.process.bootstrap).join(","),
    node(id: number) {
      const found = nodes.find((n) => n.nodeId === id);
      if (!found) throw new Error(`no node ${id} in this cluster`);
      return found;
    },
    async dispose() {
      await Promise.all(nodes.map((n) => n.process.dispose()));
      if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    },
  };
}
