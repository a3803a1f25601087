// A rolling restart of a three-node cluster of real processes while a writer
// produces with acks=all: SIGTERM runs a controlled shutdown (leadership moves
// away before the node exits), so the writer sees only retriable errors, and
// every acknowledged write is read back.
import { BrokerError, ClientError, Producer } from "@samsa/client";
import { buildRecordBatch, ErrorCode } from "@samsa/protocol";
import { checkHistory, describeViolations, startClusterProcesses, type AcknowledgedWrite, type ClusterProcesses } from "@samsa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterClient, readPartition } from "./acks-all-writer.js";
import { clusterView, waitFor } from "./cluster-client.js";
import { createAssignedTopic, partitionState } from "./leadership-requests.js";

const TOPIC = "rolling";
const NODES = [1, 2, 3];
/** Pause after a failed produce, as a client's retry backoff. */
const RETRY_BACKOFF_MS = 50;
/** Longest gap between acknowledgements a restart may cause: leadership moves before the node exits (a session expiry alone takes 3 s, a drained listener 5 s). */
const MAX_STALL_MS = 4_000;
/** Client-side failures a producer retries (the connection to a stopping broker closes or times out). */
const RETRIABLE_CLIENT_CODES = new Set(["CONNECTION_ERROR", "CONNECTION_CLOSED", "REQUEST_TIMEOUT"]);

interface WriterFailure {
  readonly code: string;
  readonly retriable: boolean;
}

/** Produces unique values one at a time (no client retries) and records every outcome and the longest gap between acknowledgements. */
class RecordingWriter {
  readonly acknowledged: AcknowledgedWrite[] = [];
  readonly indeterminate: string[] = [];
  readonly failures: WriterFailure[] = [];
  longestStallMs = 0;
  /** When the longest stall ended (epoch ms), to place it among the restarts. */
  longestStallEndedAt = 0;
  private stopped = false;
  private readonly client;
  private readonly lane: Promise<void>;

  constructor(bootstrap: readonly string[]) {
    const client = clusterClient(bootstrap, "rolling-writer", 1);
    this.client = client;
    const producer = new Producer(client, { acks: -1, timeoutMs: 5000 });
    this.lane = (async () => {
      let lastAckAt = Date.now();
      for (let n = 0; !this.stopped; n++) {
        const id = `r-${n}`;
        try {
          const result = await producer.produceRawBatch(TOPIC, 0, buildRecordBatch({ records: [{ value: id }], timestamp: Date.now() }), { acks: -1, timeoutMs: 5000 });
          this.acknowledged.push({ id, partition: 0, offset: result.baseOffset });
          if (Date.now() - lastAckAt > this.longestStallMs) {
            this.longestStallMs = Date.now() - lastAckAt;
            this.longestStallEndedAt = Date.now();
          }
          lastAckAt = Date.now();
        } catch (error) {
          this.indeterminate.push(id);
          this.failures.push(classify(error));
          await new Promise((r) => setTimeout(r, RETRY_BACKOFF_MS));
          await client.refreshMetadata([TOPIC]).catch(() => {});
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.lane;
    await this.client.close();
  }
}

function classify(error: unknown): WriterFailure {
  if (error instanceof BrokerError) return { code: error.errorName, retriable: error.retriable };
  if (error instanceof ClientError) return { code: error.code, retriable: RETRIABLE_CLIENT_CODES.has(error.code) };
  return { code: String(error), retriable: false };
}

let cluster: ClusterProcesses;

const port = (id: number) => cluster.node(id).process.port;

/** The partition has a leader and all three replicas in sync, as every running node reports it. */
async function fullyInSync(): Promise<true | undefined> {
  const states = await Promise.all(NODES.map((id) => partitionState(port(id), TOPIC)));
  return states.every((s) => s !== undefined && s.leader >= 0 && s.isr.length === NODES.length && s.leader === states[0]!.leader) ? true : undefined;
}

describe("rolling restart of a three-node cluster under acks=all load", () => {
  beforeAll(async () => {
    cluster = await startClusterProcesses({
      nodes: 3,
      overrides: { "broker.session.timeout.ms": 3_000, "broker.heartbeat.interval.ms": 300, "auto.create.topics.enable": false },
    });
    await waitFor("all brokers registered", 30_000, async () => ((await clusterView(port(1))).brokers.length === 3 ? true : undefined));
    expect(await createAssignedTopic(port(1), TOPIC, NODES, { "min.insync.replicas": "2" })).toMatchObject({ errorCode: ErrorCode.NONE });
    await waitFor("partition fully in sync", 20_000, fullyInSync);
  }, 60_000);

  afterAll(async () => {
    await cluster?.dispose();
  });

  it("restarts each node in turn with SIGTERM: no acknowledged write lost, only retriable errors", async () => {
    const bootstrap = NODES.map((id) => cluster.node(id).process.bootstrap);
    const writer = new RecordingWriter(bootstrap);
    const started = Date.now();
    const timeline: string[] = [];
    const mark = (event: string) => timeline.push(`${Date.now() - started} ms ${event}`);
    try {
      await waitFor("first acknowledgements", 10_000, async () => (writer.acknowledged.length >= 20 ? true : undefined));
      for (const id of NODES) {
        const before = writer.acknowledged.length;
        // stop() fails if the broker does not exit after SIGTERM by itself.
        mark(`SIGTERM node ${id}`);
        await cluster.node(id).process.stop();
        mark(`node ${id} exited`);
        await cluster.node(id).process.restart();
        mark(`node ${id} restarted`);
        await waitFor(`node ${id} back in the ISR`, 30_000, fullyInSync, 200);
        mark(`node ${id} back in the ISR`);
        await waitFor(`writes acknowledged after restarting node ${id}`, 10_000, async () => (writer.acknowledged.length > before + 20 ? true : undefined));
      }
    } finally {
      await writer.stop();
    }
    console.log(
      `rolling restart: ${writer.acknowledged.length} acknowledged, ${writer.failures.length} failed attempts ` +
        `(${[...new Set(writer.failures.map((f) => f.code))].join(", ") || "none"}), longest produce stall ${writer.longestStallMs} ms ` +
        `(ended at ${writer.longestStallEndedAt - started} ms; ${timeline.join("; ")})`,
    );
    expect(writer.failures.filter((f) => !f.retriable)).toEqual([]);
    expect(writer.longestStallMs).toBeLessThan(MAX_STALL_MS);
    const read = await readPartition(bootstrap, TOPIC, 20_000);
    const history = checkHistory({ acknowledged: writer.acknowledged, indeterminate: writer.indeterminate, read });
    expect(history.ok, describeViolations(history.violations)).toBe(true);
  }, 150_000);
});
