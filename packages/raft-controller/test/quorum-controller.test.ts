import { describe, expect, it } from "vitest";
import {
  KafkaErrorCode,
  MetadataStateMachine,
  NotControllerError,
  QuorumController,
  type LogEntry,
  type ProposeResult,
  type RaftStatus,
} from "../src/index.js";

/** A Raft stand-in: proposals land in a list; the test decides when they commit. */
class FakeRaft {
  role: RaftStatus["role"] = "leader";
  epoch = 1;
  leaderId: number | null = 1;
  epochStartOffset = 0;
  readonly log: LogEntry[] = [{ offset: 0, epoch: 1, kind: "leader-change", payload: new Uint8Array(0) }];
  readonly machine = new MetadataStateMachine(1 << 30);
  controller!: QuorumController;

  status(): RaftStatus {
    return {
      nodeId: 1,
      role: this.role,
      isVoter: true,
      epoch: this.epoch,
      leaderId: this.leaderId,
      votedId: 1,
      highWatermark: this.machine.appliedOffset,
      appliedOffset: this.machine.appliedOffset,
      logStartOffset: 0,
      logEndOffset: this.log.length,
      epochStartOffset: this.role === "leader" ? this.epochStartOffset : null,
    };
  }

  propose(payloads: readonly Uint8Array[]): ProposeResult {
    if (this.role !== "leader") return { ok: false, error: "NOT_LEADER", leaderId: this.leaderId, epoch: this.epoch };
    const firstOffset = this.log.length;
    for (const payload of payloads) this.log.push({ offset: this.log.length, epoch: this.epoch, kind: "data", payload });
    return { ok: true, epoch: this.epoch, firstOffset, lastOffset: this.log.length - 1 };
  }

  /** Commits and applies everything proposed so far. */
  commitAll(): void {
    this.machine.apply(this.log.slice(this.machine.appliedOffset));
    this.controller.onCommitted();
  }

  loseLeadership(newLeader: number): void {
    this.role = "follower";
    this.epoch++;
    this.leaderId = newLeader;
    this.controller.onCommitted();
  }
}

function setup(options: { sessionTimeoutMs?: number; imbalanceMs?: number } = {}) {
  const raft = new FakeRaft();
  let now = 1_000_000;
  let topicSeq = 0;
  const controller = new QuorumController({
    nodeId: 1,
    clusterId: "c1",
    raft,
    committed: () => ({ image: raft.machine.image, appliedOffset: raft.machine.appliedOffset }),
    nowMs: () => now,
    sessionTimeoutMs: options.sessionTimeoutMs ?? 9000,
    leaderImbalanceCheckIntervalMs: options.imbalanceMs ?? 0,
    defaultReplicationFactor: 1,
    newTopicId: () => `topic-${++topicSeq}`,
  });
  raft.controller = controller;
  const advance = (ms: number) => (now += ms);
  return { raft, controller, advance };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** Registers and unfences brokers 1..n through the controller. */
async function withBrokers(h: ReturnType<typeof setup>, count: number): Promise<number[]> {
  const epochs: number[] = [];
  for (let id = 1; id <= count; id++) {
    const pending = h.controller.registerBroker({ brokerId: id, clusterId: "c1", incarnationId: `inc-${id}`, endpoints: [], rack: null });
    h.raft.commitAll();
    const { brokerEpoch } = await pending;
    const beat = h.controller.brokerHeartbeat({ brokerId: id, brokerEpoch, currentMetadataOffset: h.raft.machine.image.offset, wantFence: false, wantShutDown: false });
    h.raft.commitAll();
    expect((await beat).isFenced).toBe(false);
    epochs.push(brokerEpoch);
  }
  return epochs;
}

describe("QuorumController (active controller loop)", () => {
  it("serves only after applying its own leader-change entry, and answers a write only after it commits", async () => {
    const h = setup();
    expect(h.controller.isActive()).toBe(false);
    await expect(h.controller.createTopics({ topics: [{ name: "t", numPartitions: 1, replicationFactor: 1 }] })).rejects.toBeInstanceOf(NotControllerError);
    h.raft.commitAll();
    expect(h.controller.isActive()).toBe(true);
    await withBrokers(h, 1);

    let answered = false;
    const pending = h.controller.createTopics({ topics: [{ name: "t", numPartitions: 2, replicationFactor: 1 }] }).then((r) => ((answered = true), r));
    await settle();
    expect(answered).toBe(false);
    expect(h.raft.machine.image.topic("t")).toBeUndefined();
    h.raft.commitAll();
    const [result] = await pending;
    expect(result).toMatchObject({ name: "t", errorCode: KafkaErrorCode.NONE, numPartitions: 2 });
    expect(h.raft.machine.image.topic("t")?.partitions.size).toBe(2);
  });

  it("computes against its own uncommitted proposals: two quick creations of one name conflict", async () => {
    const h = setup();
    h.raft.commitAll();
    await withBrokers(h, 1);
    const first = h.controller.createTopics({ topics: [{ name: "same", numPartitions: 1, replicationFactor: 1 }] });
    const second = h.controller.createTopics({ topics: [{ name: "same", numPartitions: 1, replicationFactor: 1 }] });
    // A read-only answer (nothing to write) still waits for the earlier writes it saw.
    let deleteAnswered = false;
    const del = h.controller.deleteTopics({ names: ["missing"] }).then((r) => ((deleteAnswered = true), r));
    await settle();
    expect(deleteAnswered).toBe(false);
    h.raft.commitAll();
    expect((await first)[0]!.errorCode).toBe(KafkaErrorCode.NONE);
    expect((await second)[0]!.errorCode).toBe(KafkaErrorCode.TOPIC_ALREADY_EXISTS);
    expect((await del)[0]!.errorCode).toBe(KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it("fails waiting requests with NOT_CONTROLLER (naming the new leader) when leadership is lost", async () => {
    const h = setup();
    h.raft.commitAll();
    await withBrokers(h, 1);
    const pending = h.controller.createTopics({ topics: [{ name: "lost", numPartitions: 1, replicationFactor: 1 }] });
    h.raft.loseLeadership(3);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotControllerError);
    expect((error as NotControllerError).leaderId).toBe(3);
    expect((error as NotControllerError).errorCode).toBe(KafkaErrorCode.NOT_CONTROLLER);
    await expect(h.controller.allocateProducerIds({ brokerId: 1, brokerEpoch: 1 })).rejects.toBeInstanceOf(NotControllerError);
  });

  it("fences brokers whose session expired and moves their leaderships to ISR members; a returning broker leads leaderless partitions again", async () => {
    const h = setup({ sessionTimeoutMs: 9000 });
    h.raft.commitAll();
    const epochs = await withBrokers(h, 3);
    const created = h.controller.createTopics({ topics: [{ name: "t", numPartitions: 3, replicationFactor: 3 }] });
    h.raft.commitAll();
    await created;
    const ledBy3 = [...h.raft.machine.image.topic("t")!.partitions.values()].filter((p) => p.leader === 3).length;
    expect(ledBy3).toBeGreaterThan(0);

    // Brokers 1 and 2 keep heartbeating; broker 3 goes silent.
    for (let step = 0; step < 5; step++) {
      h.advance(2000);
      for (const id of [1, 2]) void h.controller.brokerHeartbeat({ brokerId: id, brokerEpoch: epochs[id - 1]!, currentMetadataOffset: h.raft.machine.image.offset, wantFence: false, wantShutDown: false });
      h.controller.tick();
      h.raft.commitAll();
      await settle();
    }
    const image = h.raft.machine.image;
    expect(image.isUnfenced(3)).toBe(false);
    expect(image.isUnfenced(1) && image.isUnfenced(2)).toBe(true);
    for (const p of image.topic("t")!.partitions.values()) {
      expect(p.leader).not.toBe(3);
      expect(p.isr).not.toContain(3);
    }

    // Broker 3 comes back (same incarnation): heartbeat unfences it once caught up.
    const beat = h.controller.brokerHeartbeat({ brokerId: 3, brokerEpoch: epochs[2]!, currentMetadataOffset: h.raft.machine.image.offset, wantFence: false, wantShutDown: false });
    h.raft.commitAll();
    expect((await beat).isFenced).toBe(false);
  });

  it("runs the preferred-leader election every leader.imbalance.check.interval", async () => {
    const h = setup({ imbalanceMs: 5000 });
    h.raft.commitAll();
    const epochs = await withBrokers(h, 2);
    const created = h.controller.createTopics({ topics: [{ name: "t", numPartitions: 1, replicationFactor: 2, assignments: [[1, 2]] }] });
    h.raft.commitAll();
    await created;
    // Broker 1 shuts down in a controlled way: leadership moves to 2.
    const shutdown = h.controller.brokerHeartbeat({ brokerId: 1, brokerEpoch: epochs[0]!, currentMetadataOffset: 0, wantFence: false, wantShutDown: true });
    h.raft.commitAll();
    expect(await shutdown).toMatchObject({ shouldShutDown: true, isFenced: true });
    const topicId = h.raft.machine.image.topic("t")!.id;
    expect(h.raft.machine.image.partition(topicId, 0)!.leader).toBe(2);
    // It returns, is unfenced and rejoins the ISR (alterPartition from the leader).
    const back = h.controller.brokerHeartbeat({ brokerId: 1, brokerEpoch: epochs[0]!, currentMetadataOffset: h.raft.machine.image.offset, wantFence: false, wantShutDown: false });
    h.raft.commitAll();
    await back;
    const p = h.raft.machine.image.partition(topicId, 0)!;
    const alter = h.controller.alterPartition({ brokerId: 2, brokerEpoch: epochs[1]!, topicId, partitionId: 0, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, newIsr: [2, 1] });
    h.raft.commitAll();
    expect((await alter).errorCode).toBe(KafkaErrorCode.NONE);
    h.controller.tick();
    h.raft.commitAll();
    expect(h.raft.machine.image.partition(topicId, 0)!.leader).toBe(2);
    h.advance(5000);
    h.controller.tick();
    h.raft.commitAll();
    expect(h.raft.machine.image.partition(topicId, 0)!.leader).toBe(1);
  });

  it("refuses a second live incarnation of a broker id, and a registration for another cluster", async () => {
    const h = setup();
    h.raft.commitAll();
    await withBrokers(h, 1);
    const dup = h.controller.registerBroker({ brokerId: 1, clusterId: "c1", incarnationId: "someone-else", endpoints: [], rack: null });
    expect((await dup).errorCode).toBe(KafkaErrorCode.DUPLICATE_BROKER_REGISTRATION);
    const other = h.controller.registerBroker({ brokerId: 7, clusterId: "other", incarnationId: "x", endpoints: [], rack: null });
    expect((await other).errorCode).toBe(KafkaErrorCode.INCONSISTENT_CLUSTER_ID);
  });

  it("legacy alterConfigs replaces a resource's configs; incrementalAlterConfigs only touches listed keys", async () => {
    const h = setup();
    h.raft.commitAll();
    await withBrokers(h, 1);
    const created = h.controller.createTopics({ topics: [{ name: "t", numPartitions: 1, replicationFactor: 1, configs: { "retention.ms": "1000", "cleanup.policy": "compact" } }] });
    h.raft.commitAll();
    await created;
    const inc = h.controller.incrementalAlterConfigs({ resources: [{ resourceType: "topic", resourceName: "t", configs: { "retention.ms": "2000" } }] });
    h.raft.commitAll();
    await inc;
    expect(h.raft.machine.image.config("topic", "t", "cleanup.policy")).toBe("compact");
    expect(h.raft.machine.image.config("topic", "t", "retention.ms")).toBe("2000");
    const replace = h.controller.alterConfigs({ resources: [{ resourceType: "topic", resourceName: "t", configs: { "segment.ms": "5" } }] });
    h.raft.commitAll();
    await replace;
    expect(h.raft.machine.image.config("topic", "t", "cleanup.policy")).toBeUndefined();
    expect(h.raft.machine.image.config("topic", "t", "segment.ms")).toBe("5");
  });
});
