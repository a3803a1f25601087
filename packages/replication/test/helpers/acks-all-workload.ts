import { Admin, Consumer, KafkaClient, Producer } from "@samsa/client";
import type { AcknowledgedWrite, ReadRecord } from "@samsa/testkit";
import { buildRecordBatch } from "@samsa/protocol";
import type { ProcessCluster } from "./process-cluster.js";

/** Pause after a failed produce before the lane refreshes metadata and goes on. */
const FAILURE_PAUSE_MS = 200;
/** How long the reader must see nothing new while caught up before it stops. */
const QUIET_MS = 2500;

/**
 * acks=all writers, one lane per partition so acknowledgements arrive in
 * offset order. Every write is sent exactly once (no client retries): a
 * failure makes it indeterminate and the lane continues with a new value, so
 * any duplicate the checker finds is the broker's doing.
 */
export class AcksAllWorkload {
  readonly acknowledged: AcknowledgedWrite[] = [];
  readonly indeterminate: string[] = [];
  private stopped = false;
  private lanes: Promise<void>[] = [];
  private client: KafkaClient;

  constructor(
    private readonly cluster: ProcessCluster,
    private readonly topic: string,
    private readonly partitions: number,
  ) {
    this.client = cluster.client("acks-all-writer", { requestTimeoutMs: 8000, maxAttempts: 3 });
  }

  start(): void {
    const producer = new Producer(this.client, { acks: -1, timeoutMs: 5000 });
    for (let p = 0; p < this.partitions; p++) this.lanes.push(this.lane(producer, p));
  }

  private async lane(producer: Producer, partition: number): Promise<void> {
    for (let n = 0; !this.stopped; n++) {
      const id = `p${partition}-${n}`;
      const batch = buildRecordBatch({ records: [{ value: id }], timestamp: Date.now() });
      try {
        const result = await producer.produceRawBatch(this.topic, partition, batch, { acks: -1, timeoutMs: 5000 });
        this.acknowledged.push({ id, partition, offset: result.baseOffset });
      } catch {
        this.indeterminate.push(id);
        await new Promise((r) => setTimeout(r, FAILURE_PAUSE_MS));
        await this.client.refreshMetadata([this.topic]).catch(() => {});
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.lanes);
    await this.client.close();
  }
}

/** Reads every partition from its start up to the high watermark (bounded by `timeoutMs`). */
export async function readAll(cluster: ProcessCluster, topic: string, timeoutMs: number): Promise<ReadRecord[]> {
  const client = cluster.client("history-reader", { requestTimeoutMs: 5000, maxAttempts: 10 });
  try {
    const partitions = (await new Admin(client).describeTopics([topic]))[0]!.partitions.length;
    const consumer = new Consumer(client, { maxWaitMs: 200 });
    await consumer.assign(topic, Array.from({ length: partitions }, (_, partition) => ({ partition, offset: 0 })));
    const read: ReadRecord[] = [];
    const deadline = Date.now() + timeoutMs;
    // A new leader's HW can trail its log for a fetch round or two, so "caught up"
    // must hold for a while, not once.
    let quietSince = Date.now();
    while (Date.now() < deadline) {
      const records = await consumer.poll();
      for (const r of records) read.push({ id: r.value!.toString(), partition: r.partition, offset: r.offset });
      if (records.length > 0 || !consumer.caughtUp) quietSince = Date.now();
      else if (Date.now() - quietSince >= QUIET_MS) break;
    }
    return read;
  } finally {
    await client.close();
  }
}

