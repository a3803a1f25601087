import { SAMSA_IMAGE } from "./support/e2e-env.js";
import kafkajs from "kafkajs";
import { getContainerRuntimeClient, type ContainerRuntimeClient } from "testcontainers";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startSingleNode, type SingleNode } from "./support/samsa-container.js";

const { Kafka, logLevel } = kafkajs;
const dockerUnavailable = inject("dockerUnavailable");
const TOPIC = "e2e-orders";
const PARTITIONS = 3;
const MESSAGE_COUNT = 300;
const CONSUME_TIMEOUT_MS = 60_000;
// testcontainers takes this in milliseconds; Docker sends SIGKILL after it.
const STOP_TIMEOUT_MS = 30_000;
const HEALTHY_TIMEOUT_MS = 90_000;
const HEALTH_POLL_MS = 1_000;

/** Waits for the image's HEALTHCHECK to pass again after a restart. */
async function waitUntilHealthy(client: ContainerRuntimeClient, container: ReturnType<ContainerRuntimeClient["container"]["getById"]>): Promise<void> {
  const deadline = Date.now() + HEALTHY_TIMEOUT_MS;
  for (;;) {
    const state = (await client.container.inspect(container)).State;
    if (state.Health?.Status === "healthy") return;
    if (!state.Running) throw new Error(`container exited with status ${state.ExitCode}`);
    if (Date.now() > deadline) throw new Error(`not healthy within ${HEALTHY_TIMEOUT_MS} ms (${state.Health?.Status})`);
    await new Promise((r) => setTimeout(r, HEALTH_POLL_MS));
  }
}

/** Reads every record of the topic from the beginning, keyed by value. */
async function consumeAll(bootstrap: string, expected: number): Promise<string[]> {
  const kafka = new Kafka({ brokers: [bootstrap], clientId: "e2e-consumer", logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `e2e-${Date.now()}`, sessionTimeout: 10_000 });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${values.length} of ${expected} within ${CONSUME_TIMEOUT_MS} ms`)), CONSUME_TIMEOUT_MS);
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value!.toString());
          if (values.length >= expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return values;
}

describe.skipIf(dockerUnavailable !== null)(`single node from ${SAMSA_IMAGE}`, () => {
  let node: SingleNode;

  beforeAll(async () => {
    node = await startSingleNode();
  });

  afterAll(async () => {
    await node?.container.stop();
  });

  it("runs as the unprivileged samsa user with its data in the volume", async () => {
    const id = await node.container.exec(["id", "-u"]);
    expect(id.output.trim()).toBe("10001");
    const probe = await node.container.exec(["samsa-probe", "ready", "--node-id", "1"]);
    expect(probe.exitCode, probe.output).toBe(0);
  });

  it("checks produced batches with the native CRC-32C built in the image, not the portable fallback", async () => {
    const which = await node.container.exec(["node", "--input-type=module", "-e", 'const m = await import("/opt/samsa/packages/crc32c/dist/index.js"); console.log(m.crc32cImplementation, m.crc32c(Buffer.from("123456789")).toString(16));']);
    expect(which.exitCode, which.output).toBe(0);
    expect(which.output.trim()).toBe(process.arch === "x64" ? "native-sse42-3way e3069283" : "portable-node-rs e3069283");
  });

  it("kafkajs on the host produces with acks=all and consumes every record back", async () => {
    const kafka = new Kafka({ brokers: [node.bootstrap], clientId: "e2e-producer", logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
    const metadata = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    await admin.disconnect();
    expect(metadata.topics[0]!.partitions).toHaveLength(PARTITIONS);

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const sent = Array.from({ length: MESSAGE_COUNT }, (_, i) => `order-${i}`);
    for (let i = 0; i < sent.length; i += 50) {
      await producer.send({ topic: TOPIC, acks: -1, messages: sent.slice(i, i + 50).map((value) => ({ key: value, value })) });
    }
    await producer.disconnect();

    const received = await consumeAll(node.bootstrap, MESSAGE_COUNT);
    expect([...received].sort()).toEqual([...sent].sort());
  });

  it("SIGTERM stops the broker cleanly (exit status 0) and the records survive a restart", async () => {
    const client = await getContainerRuntimeClient();
    const container = client.container.getById(node.container.getId());
    await client.container.stop(container, { timeout: STOP_TIMEOUT_MS });
    const stopped = await client.container.inspect(container);
    // 0: the broker handled SIGTERM and closed its logs; 137 would mean Docker had to SIGKILL it.
    expect(stopped.State.ExitCode).toBe(0);
    await client.container.start(container);
    await waitUntilHealthy(client, container);
    const received = await consumeAll(node.bootstrap, MESSAGE_COUNT);
    expect(received).toHaveLength(MESSAGE_COUNT);
  });
});
