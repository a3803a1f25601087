import { describe, expect, it } from "vitest";
import { createTopics, encodeMetadataRecord, InMemoryRaftLog, MetadataStateMachine, registerBroker, brokerHeartbeat, type ControllerResult } from "../src/index.js";
import { ManualCluster, type ManualNode } from "./manual-cluster.js";

describe("metadata over the Raft log", () => {
  it("every node, including one that joins from a snapshot, reaches the active controller's image", () => {
    const cluster = new ManualCluster([1, 2, 3]);
    const machines = new Map<number, MetadataStateMachine>();
    const applyAll = () => {
      for (const node of cluster.nodes.values()) {
        const machine = machines.get(node.id) ?? new MetadataStateMachine(200);
        machines.set(node.id, machine);
        for (const ready of node.readies.splice(0)) {
          if (ready.snapshot) machine.loadSnapshot(ready.snapshot);
          machine.apply(ready.committed);
        }
        const due = machine.takeSnapshotIfDue();
        if (due) node.core.createSnapshot(due.endOffset, due.data);
      }
    };
    cluster.advance(1500, 10, applyAll);
    const leader = cluster.leader()!;
    // The active controller computes from its committed image and proposes the records.
    const run = <T>(compute: (m: MetadataStateMachine) => ControllerResult<T>): T => {
      const result = compute(machines.get(leader.id)!);
      if (result.records.length > 0) {
        expect(leader.core.propose(result.records.map(encodeMetadataRecord)).ok).toBe(true);
        cluster.flush(leader);
      }
      cluster.advance(100, 10, applyAll);
      return result.response;
    };
    for (const id of [1, 2, 3]) {
      const { brokerEpoch } = run((m) => registerBroker(m.image, { brokerId: id, clusterId: "c", incarnationId: `i${id}`, endpoints: [], rack: null }, { clusterId: "c", isAlive: () => false }));
      run((m) => brokerHeartbeat(m.image, { brokerId: id, brokerEpoch, currentMetadataOffset: m.appliedOffset, wantFence: false, wantShutDown: false }));
    }
    let topicIds = 0;
    for (let t = 0; t < 8; t++) {
      const [result] = run((m) => createTopics(m.image, [{ name: `topic-${t}`, numPartitions: 3, replicationFactor: 2 }], { defaultPartitions: 1, defaultReplicationFactor: 1, newTopicId: () => `id-${++topicIds}` }));
      expect(result!.errorCode).toBe(0);
    }
    expect(leader.log.startOffset()).toBeGreaterThan(0);
    const observer: ManualNode = cluster.add(9, new InMemoryRaftLog(), null);
    cluster.advance(500, 10, applyAll);
    const expected = machines.get(leader.id)!.image;
    expect(expected.topicsById.size).toBe(8);
    expect([...expected.brokers.values()].every((b) => !b.fenced)).toBe(true);
    for (const id of [1, 2, 3, observer.id]) {
      const image = machines.get(id)!.image;
      expect(image.toRecords()).toEqual(expected.toRecords());
      expect([...image.topicsById.values()]).toEqual([...expected.topicsById.values()]);
    }
  });
});
