import { SAMSA_IMAGE } from "./support/e2e-env.js";
import kafkajs from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually } from "./support/eventually.js";
import { prometheusMissing, startHostPrometheus, type HostPrometheus } from "./support/host-prometheus.js";
import { startSingleNode, type SingleNode } from "./support/samsa-container.js";

const { Kafka, logLevel } = kafkajs;
const CONDITION_TIMEOUT_MS = 45_000;
const POLL_INTERVAL_MS = 500;

const dockerUnavailable = inject("dockerUnavailable");
const missing = prometheusMissing(dockerUnavailable);

describe.skipIf(dockerUnavailable !== null || missing !== null)(`a real Prometheus scraping ${SAMSA_IMAGE}`, () => {
  let node: SingleNode;
  let prometheus: HostPrometheus;

  beforeAll(async () => {
    node = await startSingleNode();
    prometheus = await startHostPrometheus([`127.0.0.1:${node.metricsPort}`]);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await node?.container.stop();
  });

  it("every target is up", async () => {
    const targets = await prometheus.targetsUp(1, CONDITION_TIMEOUT_MS);
    expect(targets.map((t) => t.scrapeUrl)).toEqual([`http://127.0.0.1:${node.metricsPort}/metrics`]);
  });

  it("bytes-in is above zero after a produce", async () => {
    const kafka = new Kafka({ brokers: [node.bootstrap], clientId: "e2e-metrics", logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "e2e-metrics", numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: "e2e-metrics", acks: -1, messages: [{ value: "x".repeat(1000) }] });
    await producer.disconnect();

    const bytesIn = await eventually(
      "bytes-in > 0 in Prometheus",
      CONDITION_TIMEOUT_MS,
      async () => {
        const value = await prometheus.queryScalar('sum(kafka_server_brokertopicmetrics_bytesin_total{topic="e2e-metrics"})');
        return value > 0 ? value : undefined;
      },
      POLL_INTERVAL_MS,
    );
    expect(bytesIn).toBeGreaterThan(1000);
  });
});
