import { describe, expect, it } from "vitest";
import { LeaderPartitionState, type PartitionAssignment } from "@samsa/replication";
import { FakeLog } from "./helpers/fake-log.js";

const LAG_MS = 30_000;
const T0 = 1_000_000;

function leader(options: { isr?: number[]; replicas?: number[]; minIsr?: number; logEnd?: number; epochStart?: number } = {}) {
  const log = new FakeLog();
  log.logEndOffset = options.logEnd ?? 10;
  const assignment: PartitionAssignment = {
    replicas: options.replicas ?? [1, 2, 3],
    isr: options.isr ?? [1, 2, 3],
    leader: 1,
    leaderEpoch: 5,
    partitionEpoch: 7,
  };
  const state = new LeaderPartitionState(log, {
    localBrokerId: 1,
    assignment,
    leaderEpochStartOffset: options.epochStart ?? 0,
    nowMs: T0,
    replicaLagTimeMaxMs: LAG_MS,
    minInsyncReplicas: options.minIsr ?? 2,
  });
  return { log, state };
}

describe("LeaderPartitionState high watermark", () => {
  it("is the minimum log end offset over the ISR and waits for every member's first fetch", () => {
    const { log, state } = leader();
    state.recordFollowerFetch(2, 10, 10, T0);
    expect(state.maybeAdvanceHighWatermark()).toBe(false); // broker 3 has not fetched yet
    state.recordFollowerFetch(3, 6, 10, T0);
    expect(state.maybeAdvanceHighWatermark()).toBe(true);
    expect(log.highWatermark).toBe(6);
    state.recordFollowerFetch(3, 10, 10, T0);
    state.maybeAdvanceHighWatermark();
    expect(log.highWatermark).toBe(10);
  });

  it("never moves backwards", () => {
    const { log, state } = leader();
    state.recordFollowerFetch(2, 8, 10, T0);
    state.recordFollowerFetch(3, 8, 10, T0);
    state.maybeAdvanceHighWatermark();
    expect(log.highWatermark).toBe(8);
    state.recordFollowerFetch(3, 4, 10, T0); // a restarted follower that truncated
    expect(state.maybeAdvanceHighWatermark()).toBe(false);
    expect(log.highWatermark).toBe(8);
  });

  it("does not advance while the ISR is smaller than min.insync.replicas", () => {
    const { log, state } = leader({ isr: [1], minIsr: 2 });
    state.recordFollowerFetch(2, 10, 10, T0);
    expect(state.maybeAdvanceHighWatermark()).toBe(false);
    expect(log.highWatermark).toBe(0);
    expect(state.isUnderMinIsr).toBe(true);
  });

  it("lets a single replica advance alone when min.insync.replicas exceeds the replica count", () => {
    const { log, state } = leader({ replicas: [1], isr: [1], minIsr: 2 });
    expect(state.maybeAdvanceHighWatermark()).toBe(true);
    expect(log.highWatermark).toBe(10);
  });

  it("counts a replica being added to the ISR (maximal ISR) before the controller commits", () => {
    const { log, state } = leader({ isr: [1, 2], minIsr: 2 });
    state.recordFollowerFetch(2, 10, 10, T0);
    state.maybeAdvanceHighWatermark();
    expect(log.highWatermark).toBe(10);
    log.logEndOffset = 20;
    state.recordFollowerFetch(3, 10, 20, T0);
    expect(state.expandCandidate(() => true)).toBe(3);
    state.prepareExpand(3);
    expect(state.maximalIsr).toEqual([1, 2, 3]);
    expect(state.isr).toEqual([1, 2]);
    state.recordFollowerFetch(2, 20, 20, T0);
    state.maybeAdvanceHighWatermark();
    expect(log.highWatermark).toBe(10); // held back by broker 3 although it is not committed yet
  });
});

describe("LeaderPartitionState ISR changes", () => {
  it("removes a follower not caught up for replica.lag.time.max.ms, only then", () => {
    const { state } = leader();
    state.recordFollowerFetch(2, 10, 10, T0 + 1000);
    state.recordFollowerFetch(3, 4, 10, T0 + 1000);
    expect(state.shrinkCandidates(T0 + LAG_MS)).toEqual([]);
    expect(state.shrinkCandidates(T0 + LAG_MS + 1)).toEqual([3]);
    // Broker 2 kept fetching at the log end: caught up.
    state.recordFollowerFetch(2, 10, 10, T0 + LAG_MS);
    expect(state.shrinkCandidates(T0 + LAG_MS + 1)).toEqual([3]);
  });

  it("counts a follower that reached the previous fetch's log end as caught up at that time", () => {
    const { log, state } = leader();
    state.recordFollowerFetch(2, 10, 10, T0 + 5000); // caught up at +5 s
    log.logEndOffset = 20;
    state.recordFollowerFetch(2, 15, 20, T0 + 6000); // behind, but past what it saw at +5 s
    log.logEndOffset = 30;
    state.recordFollowerFetch(2, 20, 30, T0 + 7000); // reached the log end of +6 s: caught up at +6 s
    expect(state.shrinkCandidates(T0 + 6000 + LAG_MS)).not.toContain(2);
    expect(state.shrinkCandidates(T0 + 6001 + LAG_MS)).toContain(2);
  });

  it("does not remove a follower whose log end equals the leader's, however old its last fetch", () => {
    const { state } = leader();
    state.recordFollowerFetch(3, 10, 10, T0);
    expect(state.shrinkCandidates(T0 + 10 * LAG_MS)).not.toContain(3);
  });

  it("adds a follower back only when it reached the HW and the start of the leader epoch, and its broker is eligible", () => {
    const { log, state } = leader({ isr: [1, 2], epochStart: 8 });
    state.recordFollowerFetch(2, 10, 10, T0);
    state.maybeAdvanceHighWatermark();
    expect(log.highWatermark).toBe(10);
    state.recordFollowerFetch(3, 9, 10, T0);
    expect(state.expandCandidate(() => true)).toBeUndefined(); // below the HW
    state.recordFollowerFetch(3, 10, 10, T0);
    expect(state.expandCandidate(() => false)).toBeUndefined(); // fenced or shutting down
    expect(state.expandCandidate(() => true)).toBe(3);
  });

  it("needs the follower past the leader epoch start even when the HW is lower", () => {
    const { log, state } = leader({ isr: [1], minIsr: 1, epochStart: 10, logEnd: 10 });
    state.maybeAdvanceHighWatermark();
    log.highWatermark = 10;
    state.recordFollowerFetch(2, 10, 10, T0);
    expect(state.expandCandidate(() => true)).toBe(2);
    const other = leader({ isr: [1], minIsr: 1, epochStart: 10, logEnd: 10 });
    other.log.highWatermark = 5;
    other.state.recordFollowerFetch(2, 7, 10, T0);
    expect(other.state.expandCandidate(() => true)).toBeUndefined();
  });

  it("keeps one change in flight and applies it only once committed", () => {
    const { state } = leader();
    state.recordFollowerFetch(2, 10, 10, T0);
    state.recordFollowerFetch(3, 0, 10, T0);
    const shrink = state.prepareShrink(state.shrinkCandidates(T0 + LAG_MS + 1));
    expect(shrink).toEqual({ kind: "shrink", newIsr: [1, 2], leaderEpoch: 5, partitionEpoch: 7 });
    expect(state.isr).toEqual([1, 2, 3]); // not yet committed
    expect(state.shrinkCandidates(T0 + LAG_MS + 1)).toEqual([]); // one change at a time
    expect(state.applyCommittedIsr({ replicas: [1, 2, 3], isr: [1, 2], leader: 1, leaderEpoch: 4, partitionEpoch: 8 })).toBe(false);
    expect(state.applyCommittedIsr({ replicas: [1, 2, 3], isr: [1, 2], leader: 1, leaderEpoch: 5, partitionEpoch: 8 })).toBe(true);
    expect(state.isr).toEqual([1, 2]);
    expect(state.partitionEpoch).toBe(8);
    expect(state.hasPendingIsrChange).toBe(false);
  });

  it("forgets an aborted proposal and adopts a newer partition epoch from metadata", () => {
    const { state } = leader();
    state.recordFollowerFetch(3, 0, 10, T0);
    state.prepareShrink([3]);
    state.abortPendingIsrChange();
    expect(state.state.kind).toBe("committed");
    state.prepareShrink([3]);
    state.updateAssignment({ replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch: 5, partitionEpoch: 7 }, T0);
    expect(state.hasPendingIsrChange).toBe(true); // same partition epoch: nothing new
    state.updateAssignment({ replicas: [1, 2, 3], isr: [1, 3], leader: 1, leaderEpoch: 5, partitionEpoch: 9 }, T0);
    expect(state.hasPendingIsrChange).toBe(false);
    expect(state.isr).toEqual([1, 3]);
  });
});
