import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHistory, describeViolations } from "@samsa/testkit";
import { AcksAllWorkload, readAll } from "./helpers/acks-all-workload.js";
import { ProcessCluster } from "./helpers/process-cluster.js";

const TOPIC = "fault-kill-leader";
const PARTITIONS = 3;
const KILL_ROUNDS = Number(process.env.REPLICATION_KILL_ROUNDS ?? 2);
const PRODUCE_BETWEEN_KILLS_MS = 1500;
const LEADER_TIMEOUT_MS = 20_000;

let cluster: ProcessCluster;

beforeAll(async () => {
  cluster = await ProcessCluster.start();
}, 60_000);

afterAll(async () => {
  await cluster?.dispose();
});

describe("fault: kill -9 the leader while producing acks=all (RF=3, min.insync.replicas=2)", () => {
  it(
    "loses no acknowledged write and elects new leaders",
    async () => {
      await cluster.createTopic(TOPIC, PARTITIONS, { "min.insync.replicas": "2" });
      const live = new Set([1, 2, 3]);
      await cluster.waitForLeaders(TOPIC, live, LEADER_TIMEOUT_MS);

      const workload = new AcksAllWorkload(cluster, TOPIC, PARTITIONS);
      workload.start();
      const failovers: number[] = [];
      try {
        for (let round = 0; round < KILL_ROUNDS; round++) {
          await new Promise((r) => setTimeout(r, PRODUCE_BETWEEN_KILLS_MS));
          const leaders = await cluster.leaders(TOPIC);
          const victim = leaders[round % PARTITIONS]!;
          expect(victim).toBeGreaterThan(0);
          await cluster.node(victim).process.kill("SIGKILL");
          live.delete(victim);
          const ms = await cluster.waitForLeaders(TOPIC, live, LEADER_TIMEOUT_MS);
          failovers.push(ms);
          console.log(`kill -9 of broker ${victim} (round ${round + 1}): every partition had a leader again after ${ms} ms`);
          await new Promise((r) => setTimeout(r, PRODUCE_BETWEEN_KILLS_MS));
          await cluster.node(victim).process.restart();
          live.add(victim);
        }
        await new Promise((r) => setTimeout(r, PRODUCE_BETWEEN_KILLS_MS));
      } finally {
        await workload.stop();
      }
      await cluster.waitForLeaders(TOPIC, live, LEADER_TIMEOUT_MS);
      const read = await readAll(cluster, TOPIC, 20_000);
      const result = checkHistory({ acknowledged: workload.acknowledged, indeterminate: workload.indeterminate, read });
      console.log(
        `acknowledged ${result.acknowledgedCount}, indeterminate ${workload.indeterminate.length}, read ${result.readCount}, failovers ${failovers.join(", ")} ms`,
      );
      if (!result.ok) console.log(describeViolations(result.violations), cluster.logTails());
      expect(result.violations).toEqual([]);
      expect(result.acknowledgedCount).toBeGreaterThan(50);
    },
    180_000,
  );
});
