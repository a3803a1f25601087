// A node refuses to join, with an error naming the cause, when its cluster id
// differs, when a live broker already registered its node id, or when its
// quorum-state file is unreadable.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBrokerConfig, silentLogger, startBroker, type BrokerHandle } from "@samsa/broker";
import { findFreePort } from "@samsa/testkit";
import { afterEach, describe, expect, it } from "vitest";

const CLUSTER_ID = "refusal-test-cluster-01";
const dirs: string[] = [];
const running: BrokerHandle[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "samsa-refusal-"));
  dirs.push(dir);
  return dir;
}

async function start(overrides: string[]): Promise<BrokerHandle> {
  const broker = await startBroker(loadBrokerConfig({ overrides }), { logger: silentLogger() });
  running.push(broker);
  return broker;
}

/** A one-voter controller+broker (node 1) on a known controller port, for broker-only nodes to join. */
async function startQuorum(): Promise<{ voters: string }> {
  const controllerPort = await findFreePort("127.0.0.1");
  const voters = `1@127.0.0.1:${controllerPort}`;
  await start([
    "node.id=1",
    `cluster.id=${CLUSTER_ID}`,
    `listeners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:${controllerPort}`,
    `controller.quorum.voters=${voters}`,
    "broker.session.timeout.ms=1000",
    "broker.heartbeat.interval.ms=200",
    `log.dirs=${tempDir()}`,
  ]);
  return { voters };
}

function brokerOnly(nodeId: number, voters: string, clusterId: string, dir = tempDir()): string[] {
  return [`node.id=${nodeId}`, "process.roles=broker", `cluster.id=${clusterId}`, "listeners=PLAINTEXT://127.0.0.1:0", `controller.quorum.voters=${voters}`, "broker.session.timeout.ms=1000", "broker.heartbeat.interval.ms=200", `log.dirs=${dir}`];
}

afterEach(async () => {
  for (const broker of running.splice(0).reverse()) await broker.close({ controlledShutdown: false });
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("refusal to join", () => {
  it("refuses a broker of another cluster id", async () => {
    const { voters } = await startQuorum();
    const stranger = await start(brokerOnly(2, voters, "some-other-cluster-01"));
    const error = await withTimeout(stranger.fatal, 10_000);
    expect(error.message).toMatch(/cluster/i);
    expect((error as { code?: string }).code).toBe("INCONSISTENT_CLUSTER_ID");
  });

  it("refuses a second broker with the node id of a live one", async () => {
    const { voters } = await startQuorum();
    const first = await start(brokerOnly(2, voters, CLUSTER_ID));
    await first.metadataNode.brokerLifecycle!.waitUntilRunning(10_000);
    const duplicate = await start(brokerOnly(2, voters, CLUSTER_ID));
    const error = await withTimeout(duplicate.fatal, 15_000);
    expect((error as { code?: string }).code).toBe("DUPLICATE_BROKER_REGISTRATION");
    expect(first.metadataNode.brokerState).toBe("running");
  });

  it("refuses to start with an unreadable quorum-state file, and with a log dir of another cluster", async () => {
    const dir = tempDir();
    const overrides = ["listeners=PLAINTEXT://127.0.0.1:0", `log.dirs=${dir}`, `cluster.id=${CLUSTER_ID}`];
    const first = await start(overrides);
    await first.close();
    running.pop();
    writeFileSync(join(dir, "__cluster_metadata-0", "quorum-state"), "{ not json");
    await expect(start(overrides)).rejects.toMatchObject({ code: "QUORUM_STATE_CORRUPT" });
    rmSync(join(dir, "__cluster_metadata-0", "quorum-state"));
    await expect(start(["listeners=PLAINTEXT://127.0.0.1:0", `log.dirs=${dir}`, "cluster.id=another-cluster-id-01"])).rejects.toThrow(/cluster/);
  });
});

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms))]);
}
