import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  BrokerLifecycle,
  MetadataConfigError,
  QuorumStateCorruptError,
  parseControllerListenerNames,
  parseProcessRoles,
  parseQuorumVoters,
  startMetadataNode,
  validateMetadataNodeConfig,
  type MetadataNode,
  type MetadataNodeOptions,
} from "../src/index.js";
import { activeController, freePorts, waitFor } from "./helpers/cluster.js";

describe("metadata config parsing", () => {
  it("parses controller.quorum.voters, process.roles and controller.listener.names", () => {
    expect([...parseQuorumVoters("1@host-a:9093, 2@10.0.0.2:9094,3@[::1]:9095").values()]).toEqual([
      { id: 1, host: "host-a", port: 9093 },
      { id: 2, host: "10.0.0.2", port: 9094 },
      { id: 3, host: "::1", port: 9095 },
    ]);
    for (const bad of ["", "1@host", "a@host:1", "1@host:0", "1@host:70000", "1@h:1,1@h:2"]) {
      expect(() => parseQuorumVoters(bad), bad).toThrow(MetadataConfigError);
    }
    expect([...parseProcessRoles("broker,controller")]).toEqual(["broker", "controller"]);
    expect([...parseProcessRoles(" controller ")]).toEqual(["controller"]);
    for (const bad of ["", "zookeeper", "broker,broker"]) expect(() => parseProcessRoles(bad), bad).toThrow(MetadataConfigError);
    expect(parseControllerListenerNames("CONTROLLER")).toEqual(["CONTROLLER"]);
    expect(() => parseControllerListenerNames(" , ")).toThrow(MetadataConfigError);
  });

  it("rejects a controller that is not a voter, a voter without the controller role, and an undeclared controller listener", () => {
    const voters = parseQuorumVoters("1@h:9093");
    expect(() => validateMetadataNodeConfig({ nodeId: 2, roles: parseProcessRoles("controller"), voters, clusterId: "c1" })).toThrow(/not listed as a voter/);
    expect(() => validateMetadataNodeConfig({ nodeId: 1, roles: parseProcessRoles("broker"), voters, clusterId: "c1" })).toThrow(/lacks the controller role/);
    expect(() =>
      validateMetadataNodeConfig({ nodeId: 1, roles: parseProcessRoles("controller"), voters, clusterId: "c1", listenerNames: ["PLAINTEXT"], controllerListenerNames: ["CONTROLLER"] }),
    ).toThrow(/controller.listener.names/);
    expect(() => validateMetadataNodeConfig({ nodeId: 2, roles: parseProcessRoles("broker"), voters, clusterId: "c1" })).not.toThrow();
  });
});

describe("metadata node startup checks (single-voter quorum)", () => {
  let dir = "";
  const nodes: MetadataNode[] = [];
  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.close({ controlledShutdown: false }).catch(() => {});
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function options(): Promise<MetadataNodeOptions> {
    dir = await mkdtemp(path.join(tmpdir(), "samsa-node-"));
    const [port] = await freePorts(1);
    return {
      nodeId: 1,
      roles: "broker,controller",
      voters: `1@127.0.0.1:${port}`,
      logDirs: [path.join(dir, "node-1")],
      clusterId: "cluster-one",
      raft: { electionTimeoutMs: 200, electionJitterMs: 100, fetchTimeoutMs: 1000 },
      heartbeatIntervalMs: 100,
      sessionTimeoutMs: 1000,
      controllerTotalTimeoutMs: 5000,
      controlledShutdownTimeoutMs: 1000,
    };
  }

  it("refuses a second live broker with the same node id (DUPLICATE_BROKER_REGISTRATION)", async () => {
    const base = await options();
    const node = await startMetadataNode(base);
    nodes.push(node);
    await waitFor("the single node active and its broker running", () => activeController([node]) && node.brokerState === "running", 10_000);
    const impostor = new BrokerLifecycle({
      brokerId: 1,
      clusterId: "cluster-one",
      endpoints: [],
      rack: null,
      controller: node.controllerClient,
      metadataOffset: () => -1,
      duplicateRegistrationRetryMs: 300,
    });
    const error = await impostor.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "BrokerRegistrationError", code: "DUPLICATE_BROKER_REGISTRATION" });
    expect(node.brokerState).toBe("running");
  });

  it("refuses to start on an unreadable quorum-state file and on a log dir of another cluster", async () => {
    const base = await options();
    const node = await startMetadataNode(base);
    await waitFor("the single node active", () => activeController([node]), 10_000);
    await node.close();
    await writeFile(path.join(dir, "node-1", "__cluster_metadata-0", "quorum-state"), "{ not json");
    await expect(startMetadataNode(base)).rejects.toBeInstanceOf(QuorumStateCorruptError);
    await expect(startMetadataNode({ ...base, clusterId: "cluster-two" })).rejects.toThrow(/belongs to cluster cluster-one/);
  });
});
