import { describe, expect, it } from "vitest";
import { alterPartitionReassignments, decodeMetadataRecord, encodeMetadataRecord, KafkaErrorCode, listPartitionReassignments, MetadataImage, type MetadataRecord } from "../src/index.js";
import { threeBrokers } from "./helpers/partition-harness.js";

describe("partition reassignment (KIP-455)", () => {
  it("adds the target replicas, completes once they are in the ISR, and moves leadership off a removed leader", () => {
    const c = threeBrokers();
    c.createTopic("t", [[1]]);
    expect(c.reassign("t", 0, [2, 3])).toEqual({ partitionId: 0, errorCode: 0, errorMessage: null });
    expect(c.partition("t")).toMatchObject({ replicas: [2, 3, 1], isr: [1], leader: 1, addingReplicas: [2, 3], removingReplicas: [1] });
    expect(listPartitionReassignments(c.image, { topics: null })).toEqual([{ name: "t", partitionId: 0, replicas: [2, 3, 1], addingReplicas: [2, 3], removingReplicas: [1] }]);

    expect(c.alterIsr("t", [1, 2]).errorCode).toBe(0);
    expect(c.partition("t")).toMatchObject({ replicas: [2, 3, 1], isr: [1, 2], leader: 1 });
    const before = c.partition("t");
    const done = c.alterIsr("t", [1, 2, 3]);
    // The leader that asked is no longer a replica: it hears NEW_LEADER_ELECTED, like in Kafka.
    expect(done.errorCode).toBe(KafkaErrorCode.NEW_LEADER_ELECTED);
    const after = c.partition("t");
    expect(after).toEqual({ ...before, replicas: [2, 3], isr: [2, 3], leader: 2, leaderEpoch: before.leaderEpoch + 1, partitionEpoch: before.partitionEpoch + 1, addingReplicas: undefined, removingReplicas: undefined });
    expect(listPartitionReassignments(c.image, { topics: null })).toEqual([]);
  });

  it("keeps the leader when it stays a replica, and completes at once when the target is already in sync", () => {
    const c = threeBrokers();
    c.createTopic("t", [[1, 2, 3]]);
    expect(c.reassign("t", 0, [1, 2]).errorCode).toBe(0);
    expect(c.partition("t")).toMatchObject({ replicas: [1, 2], isr: [1, 2], leader: 1 });
    expect(c.partition("t").addingReplicas).toBeUndefined();
    // Same replicas in another order: only the preferred leader changes.
    expect(c.reassign("t", 0, [2, 1]).errorCode).toBe(0);
    expect(c.partition("t")).toMatchObject({ replicas: [2, 1], leader: 1 });
  });

  it("cancels back to the original replicas, and answers NO_REASSIGNMENT_IN_PROGRESS when there is none", () => {
    const c = threeBrokers();
    c.createTopic("t", [[1]]);
    expect(c.reassign("t", 0, null).errorCode).toBe(KafkaErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
    c.reassign("t", 0, [2, 3]);
    c.alterIsr("t", [1, 2]);
    expect(c.reassign("t", 0, null)).toEqual({ partitionId: 0, errorCode: 0, errorMessage: null });
    expect(c.partition("t")).toMatchObject({ replicas: [1], isr: [1], leader: 1 });
    expect(c.partition("t").removingReplicas).toBeUndefined();
    expect(listPartitionReassignments(c.image, { topics: [{ name: "t", partitionIds: [0] }] })).toEqual([]);
  });

  it("replaces a reassignment in progress, computed from the original replicas", () => {
    const c = threeBrokers();
    c.createTopic("t", [[1]]);
    c.reassign("t", 0, [2]);
    c.alterIsr("t", [1]); // nothing changes: 2 not in sync yet
    c.reassign("t", 0, [1, 3]);
    expect(c.partition("t")).toMatchObject({ replicas: [1, 3], isr: [1], leader: 1, addingReplicas: [3], removingReplicas: [] });
  });

  it("refuses invalid targets and unknown partitions, per partition", () => {
    const c = threeBrokers();
    c.createTopic("t", [[1]]);
    const [topic, unknown] = c.commit(
      alterPartitionReassignments(c.image, {
        topics: [
          {
            name: "t",
            partitions: [
              { partitionId: 0, replicas: [] },
              { partitionId: 0, replicas: [2, 2] },
              { partitionId: 0, replicas: [2, 9] },
              { partitionId: 7, replicas: [2] },
              { partitionId: 0, replicas: [3] },
            ],
          },
          { name: "nope", partitions: [{ partitionId: 0, replicas: [1] }] },
        ],
      }),
    );
    expect(topic!.partitions.map((p) => p.errorCode)).toEqual([
      KafkaErrorCode.INVALID_REPLICA_ASSIGNMENT,
      KafkaErrorCode.INVALID_REPLICA_ASSIGNMENT,
      KafkaErrorCode.INVALID_REPLICA_ASSIGNMENT,
      KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      KafkaErrorCode.NONE,
    ]);
    expect(unknown!.partitions[0]!.errorCode).toBe(KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(c.partition("t")).toMatchObject({ replicas: [3, 1], addingReplicas: [3], removingReplicas: [1] });
  });

  it("refuses a cancel that would need an unclean election unless the topic allows it", () => {
    const c = threeBrokers();
    c.createTopic("t", [[1]]);
    c.reassign("t", 0, [2, 3]);
    c.alterIsr("t", [1, 2]);
    // Broker 1 dropped out of the ISR and 2 leads: only a replica being added is in sync.
    const p = c.partition("t");
    c.commit({ records: [{ type: "PartitionChange", topicId: p.topicId, partitionId: 0, leader: 2, isr: [2], replicas: null }], response: undefined });
    expect(c.reassign("t", 0, null).errorCode).toBe(KafkaErrorCode.INVALID_REPLICA_ASSIGNMENT);
    c.commit({ records: [{ type: "Config", resourceType: "topic", resourceName: "t", name: "unclean.leader.election.enable", value: "true" }], response: undefined });
    expect(c.reassign("t", 0, null).errorCode).toBe(0);
    expect(c.partition("t")).toMatchObject({ replicas: [1], isr: [1], leader: 1 });
  });

  it("keeps the reassignment state through the record codec and snapshots", () => {
    const records: MetadataRecord[] = [
      { type: "Partition", topicId: "x", partitionId: 0, replicas: [2, 1], isr: [1], leader: 1, leaderEpoch: 0, partitionEpoch: 0, addingReplicas: [2], removingReplicas: [1] },
      { type: "PartitionChange", topicId: "x", partitionId: 0, leader: null, isr: null, replicas: null, addingReplicas: [], removingReplicas: [] },
      { type: "PartitionChange", topicId: "x", partitionId: 0, leader: null, isr: [1], replicas: null },
    ];
    for (const record of records) expect(decodeMetadataRecord(encodeMetadataRecord(record))).toEqual(record);
    const c = threeBrokers();
    c.createTopic("t", [[1]]);
    c.reassign("t", 0, [2]);
    const restored = MetadataImage.fromSnapshot(c.image.toRecords(), c.image.offset + 1);
    expect(restored.topic("t")!.partitions.get(0)).toEqual(c.partition("t"));
  });
});
