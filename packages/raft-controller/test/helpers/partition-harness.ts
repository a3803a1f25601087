import { expect } from "vitest";
import {
  alterPartition,
  alterPartitionReassignments,
  brokerHeartbeat,
  createTopics,
  decodeMetadataRecord,
  encodeMetadataRecord,
  MetadataImage,
  registerBroker,
  type ControllerResult,
  type PartitionState,
} from "../../src/index.js";

const CLUSTER = "cluster-r";

/** Commits controller results through the record codec, as the quorum would. */
export class Cluster {
  image = MetadataImage.EMPTY;

  commit<T>(result: ControllerResult<T>): T {
    for (const record of result.records) this.image = this.image.replay(decodeMetadataRecord(encodeMetadataRecord(record)), this.image.offset + 1);
    return result.response;
  }

  register(id: number): void {
    const { brokerEpoch } = this.commit(
      registerBroker(this.image, { brokerId: id, clusterId: CLUSTER, incarnationId: `inc-${id}`, endpoints: [], rack: null }, { clusterId: CLUSTER, isAlive: () => false }),
    );
    this.commit(brokerHeartbeat(this.image, { brokerId: id, brokerEpoch, currentMetadataOffset: this.image.offset, wantFence: false, wantShutDown: false }));
  }

  createTopic(name: string, assignments: number[][]): void {
    const [result] = this.commit(createTopics(this.image, [{ name, numPartitions: -1, replicationFactor: -1, assignments }], { defaultPartitions: 1, defaultReplicationFactor: 1, newTopicId: () => `id-${name}` }));
    expect(result!.errorCode).toBe(0);
  }

  partition(name: string, id = 0): PartitionState {
    return this.image.topic(name)!.partitions.get(id)!;
  }

  reassign(name: string, id: number, replicas: number[] | null): { errorCode: number; errorMessage: string | null } {
    const [topic] = this.commit(alterPartitionReassignments(this.image, { topics: [{ name, partitions: [{ partitionId: id, replicas }] }] }));
    return topic!.partitions[0]!;
  }

  /** The leader asks for `isr` (AlterPartition with the current epochs). */
  alterIsr(name: string, isr: number[]) {
    const p = this.partition(name);
    return this.commit(
      alterPartition(this.image, { brokerId: p.leader, brokerEpoch: this.image.brokers.get(p.leader)!.epoch, topicId: p.topicId, partitionId: p.partitionId, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, newIsr: isr }),
    );
  }
}

export function threeBrokers(): Cluster {
  const c = new Cluster();
  for (const id of [1, 2, 3]) c.register(id);
  return c;
}
