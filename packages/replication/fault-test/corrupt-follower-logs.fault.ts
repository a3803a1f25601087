import { openSync, closeSync, fstatSync, ftruncateSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Admin } from "@samsa/client";
import { checkHistory, describeViolations } from "@samsa/testkit";
import { AcksAllWorkload, readAll } from "../test/helpers/acks-all-workload.js";
import { ProcessCluster } from "../test/helpers/process-cluster.js";

const TOPIC = "fault-corrupt-followers";
const FIRST_SEGMENT = "00000000000000000000.log";
/** Bytes cut from the end of one follower's active segment: inside the last batch. */
const TORN_TAIL_BYTES = 7;

let cluster: ProcessCluster;
beforeAll(async () => {
  cluster = await ProcessCluster.start();
});
afterAll(async () => {
  await cluster?.dispose();
});

function truncateBy(path: string, bytes: number): void {
  const fd = openSync(path, "r+");
  try {
    ftruncateSync(fd, Math.max(0, fstatSync(fd).size - bytes));
  } finally {
    closeSync(fd);
  }
}

function flipLastByte(path: string): void {
  const fd = openSync(path, "r+");
  try {
    const at = fstatSync(fd).size - 1;
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    writeSync(fd, byte, 0, 1, at);
  } finally {
    closeSync(fd);
  }
}

async function isr(topic: string): Promise<number[]> {
  const client = cluster.client("isr-probe", { requestTimeoutMs: 2000, maxAttempts: 3 });
  try {
    return (await new Admin(client).describeTopics([topic]))[0]!.partitions[0]!.isr;
  } finally {
    await client.close();
  }
}

describe("fault: followers' logs damaged while stopped (torn active segment, flipped last byte)", () => {
  it("recovers both followers by truncating the damage and refetching, losing no acknowledged write", async () => {
    await cluster.createTopic(TOPIC, 1, { "min.insync.replicas": "2" });
    const all = new Set([1, 2, 3]);
    await cluster.waitForLeaders(TOPIC, all, 20_000);
    const leader = (await cluster.leaders(TOPIC))[0]!;
    const [torn, flipped] = [1, 2, 3].filter((id) => id !== leader) as [number, number];

    const workload = new AcksAllWorkload(cluster, TOPIC, 1);
    workload.start();
    await new Promise((r) => setTimeout(r, 2000));
    await Promise.all([cluster.node(torn).process.kill("SIGKILL"), cluster.node(flipped).process.kill("SIGKILL")]);
    await workload.stop();

    truncateBy(join(cluster.node(torn).process.dataDir, `${TOPIC}-0`, FIRST_SEGMENT), TORN_TAIL_BYTES);
    flipLastByte(join(cluster.node(flipped).process.dataDir, `${TOPIC}-0`, FIRST_SEGMENT));
    const restartedAt = Date.now();
    await Promise.all([cluster.node(torn).process.restart(), cluster.node(flipped).process.restart()]);

    // Both must be back in sync: recovery cut the damaged batch and the fetcher refetched
    // it, so the leader sees both at its log end (follower lag 0 on its /metrics).
    const deadline = Date.now() + 40_000;
    let lags = new Map<string, number>();
    for (;;) {
      lags = await cluster.metric(leader, "kafka_server_fetcherlagmetrics_consumerlag").catch(() => new Map<string, number>());
      const caughtUp = [...lags.values()].filter((v) => v === 0).length;
      if (lags.size === 2 && caughtUp === 2) break;
      if (Date.now() > deadline) throw new Error(`followers still lagging: ${JSON.stringify([...lags])}\n${cluster.logTails()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // Caught up is not yet in sync: the leader still has to propose the ISR expansion and
    // the controller to commit it. Only ISR members may be elected, so wait for both.
    let inSync: number[] = [];
    for (;;) {
      inSync = await isr(TOPIC).catch(() => []);
      if (inSync.includes(torn) && inSync.includes(flipped)) break;
      if (Date.now() > deadline) throw new Error(`followers caught up but not back in the ISR: ${inSync.join(",")}\n${cluster.logTails()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log(`damaged followers ${torn} (torn tail) and ${flipped} (flipped byte) caught up with leader ${leader} and rejoined the ISR ${Date.now() - restartedAt} ms after their restart began; ISR ${inSync.join(",")}`);

    // Losing the leader now proves the followers hold the data: a follower must serve everything acknowledged.
    await cluster.node(leader).process.kill("SIGKILL");
    const ms = await cluster.waitForLeaders(TOPIC, new Set([torn, flipped]), 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${cluster.logTails()}`);
    });
    console.log(`leader ${leader} killed afterwards: a repaired follower led after ${ms} ms`);
    const read = await readAll(cluster, TOPIC, 20_000);
    const result = checkHistory({ acknowledged: workload.acknowledged, indeterminate: workload.indeterminate, read });
    console.log(`acknowledged ${result.acknowledgedCount}, indeterminate ${workload.indeterminate.length}, read ${result.readCount}`);
    if (!result.ok) console.log(describeViolations(result.violations), cluster.logTails());
    expect(result.violations).toEqual([]);
    expect(result.acknowledgedCount).toBeGreaterThan(20);
  });
});
