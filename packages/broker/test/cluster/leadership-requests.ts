// Raw per-partition requests over @samsa/client's BrokerConnection, aimed at one
// chosen broker (no routing, no retries), so a test sees exactly what that
// broker answers: leader, follower or non-replica.
import { BrokerConnection, clientApi, createTopicsApi, deleteRecordsApi, listOffsetsApi, metadataApi, produceApi } from "@samsa/client";
import { ApiKey } from "@samsa/protocol";

export const offsetForLeaderEpochApi = clientApi(ApiKey.OffsetForLeaderEpoch, 2, 4);
export const initProducerIdApi = clientApi(ApiKey.InitProducerId, 0, 4);

const REQUEST_TIMEOUT_MS = 10_000;

export function openConnection(port: number, clientId = "leadership-test"): Promise<BrokerConnection> {
  return BrokerConnection.open({ host: "127.0.0.1", port, clientId, connectTimeoutMs: 2_000, requestTimeoutMs: REQUEST_TIMEOUT_MS });
}

/** Opens a connection to `port`, runs `use`, closes it. */
export async function onBroker<T>(port: number, use: (conn: BrokerConnection) => Promise<T>): Promise<T> {
  const conn = await openConnection(port);
  try {
    return await use(conn);
  } finally {
    await conn.close();
  }
}

export interface PartitionState {
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
}

/** Partition `partition` of `topic` as the broker on `port` reports it (undefined if unknown there). */
export function partitionState(port: number, topic: string, partition = 0): Promise<PartitionState | undefined> {
  return onBroker(port, async (conn) => {
    const res = await conn.call(metadataApi, { topics: [{ name: topic }], allowAutoTopicCreation: false });
    const p = res.topics.find((t) => t.name === topic)?.partitions.find((x) => x.partitionIndex === partition);
    if (!p || p.errorCode !== 0) return undefined;
    return { leader: p.leaderId, leaderEpoch: p.leaderEpoch ?? -1, replicas: [...p.replicaNodes], isr: [...p.isrNodes].sort((a, b) => a - b) };
  });
}

export async function produceTo(conn: BrokerConnection, topic: string, partition: number, batch: Buffer, acks = -1, timeoutMs = 5_000) {
  const res = await conn.call(produceApi, { transactionalId: null, acks, timeoutMs, topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }] });
  return res.responses[0]!.partitionResponses[0]!;
}

export async function listOffsetsOf(conn: BrokerConnection, topic: string, partition: number, options: { timestamp: number; currentLeaderEpoch?: number; replicaId?: number }) {
  const res = await conn.call(listOffsetsApi, {
    replicaId: options.replicaId ?? -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: options.timestamp, currentLeaderEpoch: options.currentLeaderEpoch ?? -1 }] }],
    timeoutMs: 5_000,
  });
  return res.topics[0]!.partitions[0]!;
}

export async function offsetForLeaderEpochOf(conn: BrokerConnection, topic: string, partition: number, options: { leaderEpoch: number; currentLeaderEpoch?: number; replicaId?: number }) {
  const res = await conn.call(offsetForLeaderEpochApi, {
    replicaId: options.replicaId ?? -1,
    topics: [{ topic, partitions: [{ partition, leaderEpoch: options.leaderEpoch, currentLeaderEpoch: options.currentLeaderEpoch ?? -1 }] }],
  });
  return res.topics[0]!.partitions[0]!;
}

export async function deleteRecordsOf(conn: BrokerConnection, topic: string, partition: number, offset: number, timeoutMs = 5_000) {
  const res = await conn.call(deleteRecordsApi, { topics: [{ name: topic, partitions: [{ partitionIndex: partition, offset }] }], timeoutMs });
  return res.topics[0]!.partitions[0]!;
}

export async function initProducerIdOf(conn: BrokerConnection) {
  return conn.call(initProducerIdApi, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
}

/** Creates a one-partition topic on exactly `replicas` (the first is the preferred leader) with topic `configs`. */
export function createAssignedTopic(port: number, name: string, replicas: readonly number[], configs: Record<string, string> = {}) {
  return onBroker(port, async (conn) => {
    const res = await conn.call(createTopicsApi, {
      topics: [
        {
          name,
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [{ partitionIndex: 0, brokerIds: [...replicas] }],
          configs: Object.entries(configs).map(([key, value]) => ({ name: key, value })),
        },
      ],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    const t = res.topics[0]!;
    return { errorCode: t.errorCode, errorMessage: t.errorMessage ?? null };
  });
}
