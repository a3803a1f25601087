import { SAMSA_IMAGE } from "./support/e2e-env.js";
import { checkHistory, describeViolations, type AcknowledgedWrite, type ReadRecord } from "@samsa/testkit";
import kafkajs from "kafkajs";
import { getContainerRuntimeClient } from "testcontainers";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually } from "./support/eventually.js";
import { startContainerCluster, type ContainerCluster } from "./support/samsa-cluster.js";

const { Kafka, logLevel } = kafkajs;
type KafkaClient = InstanceType<typeof Kafka>;

const dockerUnavailable = inject("dockerUnavailable");
const TOPIC = "e2e-failover";
const PARTITIONS = 3;
const FAILOVER_PARTITION = 0;
const ACKS_BEFORE_STOP = 150;
const ACKS_AFTER_STOP = 150;
const MAX_WRITES = 5_000;
const PRODUCE_PHASE_TIMEOUT_MS = 60_000;
// testcontainers takes this in milliseconds; Docker sends SIGKILL after it.
const STOP_TIMEOUT_MS = 30_000;
const REJOIN_TIMEOUT_MS = 90_000;
const CONSUME_TIMEOUT_MS = 60_000;

interface PartitionState {
  partitionId: number;
  leader: number;
  isr: number[];
}

async function partitionStates(kafka: KafkaClient): Promise<PartitionState[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    return metadata.topics[0]!.partitions.map(({ partitionId, leader, isr }) => ({ partitionId, leader, isr }));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Sends one record per request (so an acknowledgement names its exact offset),
 * round-robin over the partitions, until told to stop. A send that fails after
 * kafkajs' own retries is indeterminate: it may or may not be in the log.
 */
function startProducing(kafka: KafkaClient) {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1_000 } });
  const acknowledged: AcknowledgedWrite[] = [];
  const indeterminate: string[] = [];
  const errors: string[] = [];
  /** Acknowledgement times of the failover partition, to measure the produce stall. */
  const failoverAckTimes: number[] = [];
  let stopping = false;
  const done = (async () => {
    await producer.connect();
    try {
      for (let seq = 0; seq < MAX_WRITES && !stopping; seq++) {
        const id = `failover-${seq}`;
        const partition = seq % PARTITIONS;
        try {
          const [result] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ partition, value: id }] });
          acknowledged.push({ id, partition, offset: Number(result!.baseOffset) });
          if (partition === FAILOVER_PARTITION) failoverAckTimes.push(Date.now());
        } catch (err) {
          indeterminate.push(id);
          errors.push(String(err));
        }
      }
    } finally {
      await producer.disconnect();
    }
  })();
  return {
    acknowledged,
    indeterminate,
    errors,
    failoverAckTimes,
    async stop() {
      stopping = true;
      await done;
    },
    async waitForAcks(count: number) {
      await eventually(`${count} acknowledged writes`, PRODUCE_PHASE_TIMEOUT_MS, async () => (acknowledged.length >= count ? true : undefined));
    },
  };
}

/** Reads every partition from the start up to its high watermark. */
async function readAll(kafka: KafkaClient): Promise<ReadRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(TOPIC)).map((p) => [p.partition, Number(p.high)]));
  await admin.disconnect();
  const records: ReadRecord[] = [];
  const consumer = kafka.consumer({ groupId: `e2e-failover-${Date.now()}`, sessionTimeout: 10_000 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    const reached = new Map<number, number>();
    const complete = () => [...ends].every(([p, end]) => (reached.get(p) ?? 0) >= end);
    await new Promise<void>((resolve, reject) => {
      if (complete()) return resolve();
      const timer = setTimeout(() => reject(new Error(`read ${records.length} records, not up to ${JSON.stringify([...ends])} within ${CONSUME_TIMEOUT_MS} ms`)), CONSUME_TIMEOUT_MS);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const offset = Number(message.offset);
          records.push({ id: message.value!.toString(), partition, offset });
          reached.set(partition, offset + 1);
          if (complete()) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

describe.skipIf(dockerUnavailable !== null)(`three-container cluster from ${SAMSA_IMAGE}: leader failover`, () => {
  let cluster: ContainerCluster;
  let kafka: KafkaClient;

  beforeAll(async () => {
    cluster = await startContainerCluster();
    kafka = new Kafka({ brokers: cluster.brokers, clientId: "e2e-failover", logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: "min.insync.replicas", value: "2" }] }],
        // The other brokers apply the new topic moments after the one that answered;
        // the full-ISR wait below retries through that window.
        waitForLeaders: false,
      });
    } finally {
      await admin.disconnect();
    }
    // Every replica in sync before the leader goes away, or min.insync=2 could not hold after it.
    await eventually("full ISR on every partition", REJOIN_TIMEOUT_MS, async () => {
      const states = await partitionStates(kafka);
      return states.length === PARTITIONS && states.every((s) => s.isr.length === 3) ? true : undefined;
    });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it("keeps every acknowledged acks=all write when the partition leader's container stops, and the node rejoins the ISR after a restart", async () => {
    const producing = startProducing(kafka);
    let stoppedId: number;
    let stopRequestedAt: number;
    try {
      await producing.waitForAcks(ACKS_BEFORE_STOP);
      stoppedId = (await partitionStates(kafka)).find((s) => s.partitionId === FAILOVER_PARTITION)!.leader;
      const victim = cluster.nodes.find((n) => n.nodeId === stoppedId);
      expect(victim, `leader ${stoppedId} is one of the containers`).toBeDefined();

      const client = await getContainerRuntimeClient();
      const container = client.container.getById(victim!.container.getId());
      stopRequestedAt = Date.now();
      await client.container.stop(container, { timeout: STOP_TIMEOUT_MS });
      const stopTookMs = Date.now() - stopRequestedAt;
      // 0: SIGTERM ran the controlled shutdown; 137 would mean Docker had to SIGKILL it.
      expect((await client.container.inspect(container)).State.ExitCode).toBe(0);

      const acksAtStop = producing.acknowledged.length;
      await producing.waitForAcks(acksAtStop + ACKS_AFTER_STOP);
      await producing.stop();

      const newLeader = (await partitionStates(kafka)).find((s) => s.partitionId === FAILOVER_PARTITION)!.leader;
      expect(newLeader).not.toBe(stoppedId);
      expect(newLeader).toBeGreaterThan(0);

      // The stall a producer of the failed-over partition saw: the longest gap between its acknowledgements from the stop on.
      const times = [stopRequestedAt, ...producing.failoverAckTimes.filter((t) => t >= stopRequestedAt)];
      const stallMs = Math.max(...times.slice(1).map((t, i) => t - times[i]!));
      process.stderr.write(
        `test-e2e: failover of partition ${FAILOVER_PARTITION} from node ${stoppedId} to node ${newLeader}: longest produce stall ${stallMs} ms, ` +
          `docker stop took ${stopTookMs} ms, ${producing.acknowledged.length} acknowledged, ${producing.indeterminate.length} failed sends\n`,
      );

      await client.container.start(container);
      const rejoinStartedAt = Date.now();
      await eventually(`node ${stoppedId} back in the ISR of every partition`, REJOIN_TIMEOUT_MS, async () => {
        const states = await partitionStates(kafka);
        return states.every((s) => s.isr.includes(stoppedId)) ? true : undefined;
      });
      process.stderr.write(`test-e2e: node ${stoppedId} rejoined the ISR of every partition ${Date.now() - rejoinStartedAt} ms after its container started\n`);
    } finally {
      await producing.stop();
    }

    const read = await readAll(kafka);
    const history = checkHistory({ acknowledged: producing.acknowledged, indeterminate: producing.indeterminate, read });
    expect(history.ok, describeViolations(history.violations)).toBe(true);
    expect(history.acknowledgedCount).toBeGreaterThanOrEqual(ACKS_BEFORE_STOP + ACKS_AFTER_STOP);
    // Every send must eventually succeed within kafkajs' retries: failover is transparent to the client.
    expect(producing.errors, producing.errors.slice(0, 3).join("\n")).toEqual([]);
  });
});
