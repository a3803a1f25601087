import { Consumer, KafkaClient, Producer } from "@samsa/client";
import { buildRecordBatch } from "@samsa/protocol";
import type { AcknowledgedWrite, ReadRecord } from "@samsa/testkit";

/** Pause after a failed produce before the writer refreshes metadata and goes on. */
const FAILURE_PAUSE_MS = 200;
/** How long a reader must see nothing new while caught up before it stops. */
const QUIET_MS = 2000;

export function clusterClient(bootstrap: readonly string[], clientId: string, maxAttempts = 10): KafkaClient {
  return new KafkaClient({ bootstrapServers: [...bootstrap], clientId, requestTimeoutMs: 8000, connectTimeoutMs: 1000, maxAttempts, retryBackoffMs: 100, maxRetryBackoffMs: 500 });
}

/**
 * One acks=all writer lane on one partition. Each write is sent exactly once
 * (no client retries): a failure makes it indeterminate, so any duplicate the
 * history checker finds is the broker's doing.
 */
export class AcksAllWriter {
  readonly acknowledged: AcknowledgedWrite[] = [];
  readonly indeterminate: string[] = [];
  private stopped = false;
  private readonly lane: Promise<void>;
  private readonly client: KafkaClient;

  constructor(bootstrap: readonly string[], topic: string) {
    const client = clusterClient(bootstrap, "acks-all-writer", 3);
    this.client = client;
    const producer = new Producer(client, { acks: -1, timeoutMs: 5000 });
    this.lane = (async () => {
      for (let n = 0; !this.stopped; n++) {
        const id = `w-${n}`;
        try {
          const result = await producer.produceRawBatch(topic, 0, buildRecordBatch({ records: [{ value: id }], timestamp: Date.now() }), { acks: -1, timeoutMs: 5000 });
          this.acknowledged.push({ id, partition: 0, offset: result.baseOffset });
        } catch {
          this.indeterminate.push(id);
          await new Promise((r) => setTimeout(r, FAILURE_PAUSE_MS));
          await client.refreshMetadata([topic]).catch(() => {});
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

/** Reads partition 0 of `topic` from its start until caught up and quiet (bounded by `timeoutMs`). */
export async function readPartition(bootstrap: readonly string[], topic: string, timeoutMs: number): Promise<ReadRecord[]> {
  const client = clusterClient(bootstrap, "history-reader");
  try {
    const consumer = new Consumer(client, { maxWaitMs: 200 });
    await consumer.assign(topic, [{ partition: 0, offset: 0 }]);
    const read: ReadRecord[] = [];
    const deadline = Date.now() + timeoutMs;
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
