import { describe, expect, it } from "vitest";
import {
  alterConfigs,
  alterPartition,
  allocateProducerIds,
  BrokerHeartbeatTracker,
  brokerHeartbeat,
  createPartitions,
  createTopics,
  decodeMetadataRecord,
  decodeMetadataSnapshot,
  deleteTopics,
  electLeaders,
  encodeMetadataRecord,
  encodeMetadataSnapshot,
  fenceExpiredBrokers,
  KafkaErrorCode,
  MetadataImage,
  NO_LEADER,
  registerBroker,
  type ControllerResult,
  type MetadataRecord,
} from "../src/index.js";

const CLUSTER = "cluster-a";

/** Plays the active controller: every result is committed to a log and replayed onto the image. */
class Harness {
  image = MetadataImage.EMPTY;
  readonly log: Uint8Array[] = [];
  private topicIds = 0;

  commit<T>(result: ControllerResult<T>): T {
    for (const record of result.records) {
      this.log.push(encodeMetadataRecord(record));
      this.image = this.image.replay(record, this.log.length - 1);
    }
    return result.response;
  }

  newTopicId = () => `topic-id-${++this.topicIds}`;

  register(id: number, rack: string | null = null): number {
    const response = this.commit(
      registerBroker(
        this.image,
        { brokerId: id, clusterId: CLUSTER, incarnationId: `inc-${id}`, endpoints: [{ name: "PLAINTEXT", host: "localhost", port: 9000 + id, securityProtocol: "PLAINTEXT" }], rack },
        { clusterId: CLUSTER, isAlive: () => false },
      ),
    );
    expect(response.errorCode).toBe(0);
    const unfenced = this.commit(brokerHeartbeat(this.image, { brokerId: id, brokerEpoch: response.brokerEpoch, currentMetadataOffset: this.image.offset, wantFence: false, wantShutDown: false }));
    expect(unfenced.isFenced).toBe(false);
    return response.brokerEpoch;
  }

  createTopic(name: string, partitions: number, rf: number, configs: Record<string, string> = {}) {
    const [result] = this.commit(createTopics(this.image, [{ name, numPartitions: partitions, replicationFactor: rf, configs }], { defaultPartitions: 1, defaultReplicationFactor: 1, newTopicId: this.newTopicId }));
    return result!;
  }
}

describe("metadata records", () => {
  it("round-trip through protobuf, including absent optional fields", () => {
    const records: MetadataRecord[] = [
      { type: "RegisterBroker", brokerId: 3, incarnationId: "abc", brokerEpoch: 2 ** 40, endpoints: [{ name: "CONTROLLER", host: "h", port: 9093, securityProtocol: "PLAINTEXT" }], rack: "r1" },
      { type: "RegisterBroker", brokerId: 4, incarnationId: "def", brokerEpoch: 7, endpoints: [], rack: null },
      { type: "FenceBroker", brokerId: 3, brokerEpoch: 5 },
      { type: "UnfenceBroker", brokerId: 3, brokerEpoch: 5 },
      { type: "Topic", name: "t", topicId: "id" },
      { type: "Partition", topicId: "id", partitionId: 2, replicas: [1, 2, 3], isr: [1, 2], leader: 1, leaderEpoch: 4, partitionEpoch: 9 },
      { type: "PartitionChange", topicId: "id", partitionId: 0, leader: null, isr: [2], replicas: null },
      { type: "PartitionChange", topicId: "id", partitionId: 0, leader: 0, isr: null, replicas: [0, 1] },
      { type: "PartitionChange", topicId: "id", partitionId: 0, leader: NO_LEADER, isr: [], replicas: null },
      { type: "Config", resourceType: "topic", resourceName: "t", name: "retention.ms", value: "1000" },
      { type: "Config", resourceType: "broker", resourceName: "", name: "x", value: null },
      { type: "RemoveTopic", topicId: "id" },
      { type: "ProducerIds", brokerId: 1, brokerEpoch: 2, nextProducerId: 5000 },
      { type: "NoOp" },
    ];
    for (const record of records) expect(decodeMetadataRecord(encodeMetadataRecord(record))).toEqual(record);
  });

  it("rejects undecodable bytes with a typed error", () => {
    expect(() => decodeMetadataRecord(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(/undecodable|without a known type/);
    expect(() => decodeMetadataRecord(new Uint8Array([]))).toThrow(expect.objectContaining({ code: "METADATA_DECODE_ERROR" }));
  });
});

describe("controller", () => {
  it("registers brokers fenced, unfences them once caught up, and refuses a second live incarnation", () => {
    const h = new Harness();
    const reg = h.commit(registerBroker(h.image, { brokerId: 1, clusterId: CLUSTER, incarnationId: "a", endpoints: [], rack: null }, { clusterId: CLUSTER, isAlive: () => false }));
    expect(reg).toEqual({ errorCode: 0, brokerEpoch: 1 });
    expect(h.image.brokers.get(1)!.fenced).toBe(true);
    const behind = brokerHeartbeat(h.image, { brokerId: 1, brokerEpoch: 1, currentMetadataOffset: -1, wantFence: false, wantShutDown: false });
    expect(behind.records).toEqual([]);
    expect(behind.response.isFenced).toBe(true);
    h.commit(brokerHeartbeat(h.image, { brokerId: 1, brokerEpoch: 1, currentMetadataOffset: h.image.offset, wantFence: false, wantShutDown: false }));
    expect(h.image.brokers.get(1)!.fenced).toBe(false);

    const again = registerBroker(h.image, { brokerId: 1, clusterId: CLUSTER, incarnationId: "a", endpoints: [], rack: null }, { clusterId: CLUSTER, isAlive: () => true });
    expect(again).toEqual({ records: [], response: { errorCode: 0, brokerEpoch: 1 } });
    const dup = registerBroker(h.image, { brokerId: 1, clusterId: CLUSTER, incarnationId: "b", endpoints: [], rack: null }, { clusterId: CLUSTER, isAlive: () => true });
    expect(dup.response.errorCode).toBe(KafkaErrorCode.DUPLICATE_BROKER_REGISTRATION);
    const wrongCluster = registerBroker(h.image, { brokerId: 2, clusterId: "other", incarnationId: "c", endpoints: [], rack: null }, { clusterId: CLUSTER, isAlive: () => false });
    expect(wrongCluster.response.errorCode).toBe(KafkaErrorCode.INCONSISTENT_CLUSTER_ID);
    // After its session expired, a restarted broker registers again with a new epoch.
    const restarted = h.commit(registerBroker(h.image, { brokerId: 1, clusterId: CLUSTER, incarnationId: "b", endpoints: [], rack: null }, { clusterId: CLUSTER, isAlive: () => false }));
    expect(restarted).toEqual({ errorCode: 0, brokerEpoch: 2 });
    const stale = brokerHeartbeat(h.image, { brokerId: 1, brokerEpoch: 1, currentMetadataOffset: 100, wantFence: false, wantShutDown: false });
    expect(stale.response.errorCode).toBe(KafkaErrorCode.STALE_BROKER_EPOCH);
  });

  it("spreads replicas and leaders evenly across brokers and racks", () => {
    const h = new Harness();
    for (const [id, rack] of [[1, "a"], [2, "a"], [3, "b"], [4, "b"], [5, "c"], [6, "c"]] as const) h.register(id, rack);
    const result = h.createTopic("orders", 12, 3);
    expect(result.errorCode).toBe(0);
    const topic = h.image.topic("orders")!;
    const leaders = new Map<number, number>();
    const replicas = new Map<number, number>();
    for (const p of topic.partitions.values()) {
      leaders.set(p.leader, (leaders.get(p.leader) ?? 0) + 1);
      for (const r of p.replicas) replicas.set(r, (replicas.get(r) ?? 0) + 1);
      const racks = new Set(p.replicas.map((id) => h.image.brokers.get(id)!.rack));
      expect(racks.size).toBe(3);
      expect(p.isr).toEqual(p.replicas);
      expect(p.leader).toBe(p.replicas[0]);
    }
    expect([...leaders.values()]).toEqual([2, 2, 2, 2, 2, 2]);
    expect([...replicas.values()]).toEqual([6, 6, 6, 6, 6, 6]);
  });

  it("validates topic creation", () => {
    const h = new Harness();
    h.register(1);
    h.register(2);
    expect(h.createTopic("a", 1, 2).errorCode).toBe(0);
    const results = createTopics(
      h.image,
      [
        { name: "a", numPartitions: 1, replicationFactor: 1 },
        { name: "bad name!", numPartitions: 1, replicationFactor: 1 },
        { name: "c", numPartitions: 1, replicationFactor: 3 },
        { name: "d", numPartitions: 0, replicationFactor: 1 },
        { name: "e", numPartitions: -1, replicationFactor: -1 },
      ],
      { defaultPartitions: 3, defaultReplicationFactor: 2, newTopicId: h.newTopicId },
    ).response;
    expect(results.map((r) => r.errorCode)).toEqual([
      KafkaErrorCode.TOPIC_ALREADY_EXISTS,
      KafkaErrorCode.INVALID_TOPIC_EXCEPTION,
      KafkaErrorCode.INVALID_REPLICATION_FACTOR,
      KafkaErrorCode.INVALID_PARTITIONS,
      0,
    ]);
    expect(results[4]).toMatchObject({ numPartitions: 3, replicationFactor: 2 });
  });

  it("fences a broker whose session expired and elects new leaders only from the ISR", () => {
    const h = new Harness();
    for (const id of [1, 2, 3]) h.register(id);
    h.createTopic("clean", 3, 2);
    h.createTopic("dirty", 3, 2, { "unclean.leader.election.enable": "true" });
    const victim = 1;
    // In each topic, the partition led by the victim shrinks its ISR to the victim alone.
    const shrunk = new Map<string, number>();
    for (const name of ["clean", "dirty"]) {
      const topic = h.image.topic(name)!;
      const p = [...topic.partitions.values()].find((q) => q.leader === victim)!;
      shrunk.set(name, p.partitionId);
      const response = h.commit(alterPartition(h.image, { brokerId: victim, brokerEpoch: h.image.brokers.get(victim)!.epoch, topicId: topic.id, partitionId: p.partitionId, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, newIsr: [victim] }));
      expect(response.errorCode).toBe(0);
    }
    const tracker = new BrokerHeartbeatTracker(9000);
    for (const id of [1, 2, 3]) tracker.touch(id, 0);
    tracker.touch(2, 5000);
    tracker.touch(3, 5000);
    expect(tracker.expired(8999)).toEqual([]);
    expect(tracker.expired(9000)).toEqual([victim]);
    const before = h.image;
    expect(h.commit(fenceExpiredBrokers(h.image, tracker.expired(9000)))).toEqual([victim]);
    expect(h.image.brokers.get(victim)!.fenced).toBe(true);

    // Without unclean election the partition stays leaderless rather than losing data.
    const cleanLost = h.image.topic("clean")!.partitions.get(shrunk.get("clean")!)!;
    expect(cleanLost.leader).toBe(NO_LEADER);
    expect(cleanLost.isr).toEqual([victim]);
    // With unclean election enabled, an out-of-sync replica leads with an ISR of itself.
    const dirtyBefore = before.topic("dirty")!.partitions.get(shrunk.get("dirty")!)!;
    const dirtyAfter = h.image.topic("dirty")!.partitions.get(shrunk.get("dirty")!)!;
    expect(dirtyAfter.leader).toBe(dirtyBefore.replicas.find((id) => id !== victim));
    expect(dirtyAfter.isr).toEqual([dirtyAfter.leader]);
    expect(dirtyAfter.leaderEpoch).toBe(dirtyBefore.leaderEpoch + 1);
    // Every other partition the victim led moved to an ISR member, and the victim left every ISR it shared.
    for (const name of ["clean", "dirty"]) {
      for (const p of h.image.topic(name)!.partitions.values()) {
        if (p.partitionId === shrunk.get(name)) continue;
        expect(p.leader).not.toBe(victim);
        expect(p.isr).not.toContain(victim);
        expect(p.isr).toContain(p.leader);
      }
    }
  });

  it("checks AlterPartition against epochs and refuses fenced replicas joining the ISR (KIP-841)", () => {
    const h = new Harness();
    for (const id of [1, 2, 3]) h.register(id);
    h.createTopic("t", 1, 3);
    const topic = h.image.topic("t")!;
    const p = topic.partitions.get(0)!;
    const followers = p.replicas.filter((id) => id !== p.leader);
    const base = { brokerId: p.leader, brokerEpoch: h.image.brokers.get(p.leader)!.epoch, topicId: topic.id, partitionId: 0, leaderEpoch: p.leaderEpoch };
    const shrunk = h.commit(alterPartition(h.image, { ...base, partitionEpoch: p.partitionEpoch, newIsr: [p.leader, followers[0]!] }));
    expect(shrunk.errorCode).toBe(0);
    expect(shrunk.partition!.partitionEpoch).toBe(p.partitionEpoch + 1);
    expect(alterPartition(h.image, { ...base, partitionEpoch: p.partitionEpoch, newIsr: p.replicas }).response.errorCode).toBe(KafkaErrorCode.INVALID_UPDATE_VERSION);
    expect(alterPartition(h.image, { ...base, brokerId: followers[0]!, brokerEpoch: h.image.brokers.get(followers[0]!)!.epoch, partitionEpoch: p.partitionEpoch + 1, newIsr: p.replicas }).response.errorCode).toBe(KafkaErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(alterPartition(h.image, { ...base, leaderEpoch: 99, partitionEpoch: p.partitionEpoch + 1, newIsr: p.replicas }).response.errorCode).toBe(KafkaErrorCode.FENCED_LEADER_EPOCH);
    expect(alterPartition(h.image, { ...base, brokerEpoch: 999, partitionEpoch: p.partitionEpoch + 1, newIsr: p.replicas }).response.errorCode).toBe(KafkaErrorCode.STALE_BROKER_EPOCH);
    h.commit(brokerHeartbeat(h.image, { brokerId: followers[1]!, brokerEpoch: h.image.brokers.get(followers[1]!)!.epoch, currentMetadataOffset: 0, wantFence: true, wantShutDown: false }));
    expect(alterPartition(h.image, { ...base, partitionEpoch: p.partitionEpoch + 1, newIsr: p.replicas }).response.errorCode).toBe(KafkaErrorCode.INELIGIBLE_REPLICA);
  });

  it("elects the preferred leader back, on request and for all imbalanced partitions", () => {
    const h = new Harness();
    for (const id of [1, 2]) h.register(id);
    h.createTopic("t", 2, 2);
    const topic = h.image.topic("t")!;
    const p0 = topic.partitions.get(0)!;
    const preferred = p0.replicas[0]!;
    h.commit(fenceExpiredBrokers(h.image, [preferred]));
    expect(h.image.partition(topic.id, 0)!.leader).toBe(p0.replicas[1]);
    // While fenced and out of the ISR it cannot lead.
    expect(electLeaders(h.image, "preferred", [{ topicId: topic.id, partitionId: 0 }]).response[0]!.errorCode).toBe(KafkaErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
    const epoch = h.register(preferred);
    expect(epoch).toBeGreaterThan(0);
    const leader = h.image.partition(topic.id, 0)!;
    h.commit(alterPartition(h.image, { brokerId: leader.leader, brokerEpoch: h.image.brokers.get(leader.leader)!.epoch, topicId: topic.id, partitionId: 0, leaderEpoch: leader.leaderEpoch, partitionEpoch: leader.partitionEpoch, newIsr: [leader.leader, preferred] }));
    const results = h.commit(electLeaders(h.image, "preferred", "all"));
    expect(results.map((r) => r.leader)).toContain(preferred);
    for (const p of h.image.topic("t")!.partitions.values()) if (p.isr.includes(p.replicas[0]!)) expect(p.leader).toBe(p.replicas[0]);
    expect(electLeaders(h.image, "preferred", "all").records).toEqual([]);
  });

  it("deletes topics, adds partitions, changes configs and hands out producer-id blocks", () => {
    const h = new Harness();
    const epoch = h.register(1);
    h.createTopic("t", 1, 1, { "cleanup.policy": "compact" });
    expect(h.commit(createPartitions(h.image, [{ name: "t", count: 3 }, { name: "t2", count: 2 }])).map((r) => r.errorCode)).toEqual([0, KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(h.image.topic("t")!.partitions.size).toBe(3);
    expect(createPartitions(h.image, [{ name: "t", count: 2 }]).response[0]!.errorCode).toBe(KafkaErrorCode.INVALID_PARTITIONS);
    h.commit(alterConfigs(h.image, [{ resourceType: "topic", resourceName: "t", configs: { "retention.ms": "5", "cleanup.policy": null } }]));
    expect(h.image.config("topic", "t", "retention.ms")).toBe("5");
    expect(h.image.config("topic", "t", "cleanup.policy")).toBeUndefined();
    expect(h.commit(allocateProducerIds(h.image, { brokerId: 1, brokerEpoch: epoch }))).toEqual({ errorCode: 0, firstProducerId: 0, count: 1000 });
    expect(h.commit(allocateProducerIds(h.image, { brokerId: 1, brokerEpoch: epoch }))).toMatchObject({ firstProducerId: 1000 });
    expect(h.commit(deleteTopics(h.image, ["t", "nope"])).map((r) => r.errorCode)).toEqual([0, KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(h.image.topic("t")).toBeUndefined();
    expect(h.image.configs.size).toBe(0);
  });

  it("a follower replaying the committed log, or loading a snapshot, reaches the identical image", () => {
    const h = new Harness();
    for (const [id, rack] of [[1, "x"], [2, "y"], [3, "x"]] as const) h.register(id, rack);
    h.createTopic("a", 4, 2);
    h.createTopic("b", 2, 3, { "unclean.leader.election.enable": "true" });
    h.commit(fenceExpiredBrokers(h.image, [2]));
    h.commit(deleteTopics(h.image, ["a"]));
    h.commit(createPartitions(h.image, [{ name: "b", count: 5 }]));
    h.commit(allocateProducerIds(h.image, { brokerId: 1, brokerEpoch: h.image.brokers.get(1)!.epoch }));

    let follower = MetadataImage.EMPTY;
    h.log.forEach((bytes, offset) => {
      follower = follower.replay(decodeMetadataRecord(bytes), offset);
    });
    expect(follower).toEqual(h.image);

    const snapshot = decodeMetadataSnapshot(encodeMetadataSnapshot(h.image.offset + 1, h.image.toRecords()));
    const restored = MetadataImage.fromSnapshot(snapshot.records, snapshot.endOffset);
    expect(restored.offset).toBe(h.image.offset);
    expect(restored.toRecords()).toEqual(h.image.toRecords());
    expect([...restored.topicsById.values()]).toEqual([...h.image.topicsById.values()]);
    expect(restored.lastBrokerEpoch).toBe(h.image.lastBrokerEpoch);
  });
});
