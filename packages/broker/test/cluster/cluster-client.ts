import { ApiKey } from "@samsa/protocol";
import { TestClient } from "../helpers/test-client.js";

/** What convergence compares: the brokers, topics, leaders and ISRs one node reports. */
export interface ClusterView {
  brokers: number[];
  topics: Record<string, { topicId: string; partitions: Array<{ leader: number; leaderEpoch: number; replicas: number[]; isr: number[] }> }>;
}

export async function withClient<T>(port: number, use: (client: TestClient) => Promise<T>): Promise<T> {
  const client = await TestClient.connect(port);
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

export function clusterView(port: number): Promise<ClusterView> {
  return withClient(port, async (client) => {
    const res = await client.send(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const topics: ClusterView["topics"] = {};
    for (const t of [...res.topics].sort((a, b) => (a.name ?? "").localeCompare(b.name ?? ""))) {
      topics[t.name ?? ""] = {
        topicId: t.topicId ?? "",
        partitions: [...t.partitions]
          .sort((a, b) => a.partitionIndex - b.partitionIndex)
          .map((p) => ({ leader: p.leaderId, leaderEpoch: p.leaderEpoch ?? -1, replicas: [...p.replicaNodes], isr: [...p.isrNodes].sort((a, b) => a - b) })),
      };
    }
    return { brokers: res.brokers.map((b) => b.nodeId).sort((a, b) => a - b), topics };
  });
}

export function createTopic(port: number, name: string, numPartitions: number, replicationFactor: number): Promise<{ errorCode: number; errorMessage: string | null }> {
  return withClient(port, async (client) => {
    const res = await client.send(ApiKey.CreateTopics, 7, {
      topics: [{ name, numPartitions, replicationFactor, assignments: [], configs: [] }],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    return { errorCode: res.topics[0]!.errorCode, errorMessage: res.topics[0]!.errorMessage ?? null };
  });
}

export function describeQuorum(port: number) {
  return withClient(port, async (client) => {
    const res = await client.send(ApiKey.DescribeQuorum, 1, { topics: [{ topicName: "__cluster_metadata", partitions: [{ partitionIndex: 0 }] }] });
    return { errorCode: res.errorCode, partition: res.topics[0]?.partitions[0] };
  });
}

/** Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes; probe errors count as "not yet". */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = "no attempt";
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = "condition not met";
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what}: not reached within ${timeoutMs} ms (last: ${String(last)})`);
}

/** Overrides the three-process cluster tests share: quick failure detection, no auto-created topics. */
export const QUICK_CLUSTER_OVERRIDES = Object.freeze({
  "broker.session.timeout.ms": 3_000,
  "broker.heartbeat.interval.ms": 500,
  "auto.create.topics.enable": false,
});
