import { describe, expect, it } from "vitest";
import { ErrorCode } from "@samsa/protocol";
import { LeaderEpochCache } from "@samsa/storage";
import { checkFetchPartition, decideTruncation } from "@samsa/replication";

/** A log whose epochs are (epoch, start offset) entries ending at logEndOffset. */
function logWith(entries: Array<[number, number]>, logEndOffset: number, logStartOffset = 0, highWatermark = 0) {
  const cache = new LeaderEpochCache(entries.map(([epoch, startOffset]) => ({ epoch, startOffset })));
  return { logStartOffset, logEndOffset, highWatermark, endOffsetFor: (e: number) => cache.endOffsetFor(e, logEndOffset) };
}

describe("checkFetchPartition (leader side)", () => {
  const leader = logWith([[1, 0], [3, 50], [5, 80]], 100, 10);

  it("fences stale leader epochs and reports unknown newer ones", () => {
    expect(checkFetchPartition(leader, 5, { fetchOffset: 90, currentLeaderEpoch: 4, lastFetchedEpoch: 5 })).toEqual({ kind: "error", errorCode: ErrorCode.FENCED_LEADER_EPOCH });
    expect(checkFetchPartition(leader, 5, { fetchOffset: 90, currentLeaderEpoch: 6, lastFetchedEpoch: 5 })).toEqual({ kind: "error", errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH });
  });

  it("reads when the fetcher's last epoch ends at or after its fetch offset", () => {
    expect(checkFetchPartition(leader, 5, { fetchOffset: 90, currentLeaderEpoch: 5, lastFetchedEpoch: 5 })).toEqual({ kind: "read" });
    expect(checkFetchPartition(leader, 5, { fetchOffset: 80, currentLeaderEpoch: 5, lastFetchedEpoch: 3 })).toEqual({ kind: "read" });
  });

  it("answers the diverging epoch when the fetcher wrote past the end of its last epoch here", () => {
    // The follower has epoch 3 up to 85, but epoch 3 ended at 80 on the leader.
    expect(checkFetchPartition(leader, 5, { fetchOffset: 85, currentLeaderEpoch: 5, lastFetchedEpoch: 3 })).toEqual({ kind: "diverging", epoch: 3, endOffset: 80 });
    // The follower has an epoch 4 the leader never had: the leader's largest below it is 3.
    expect(checkFetchPartition(leader, 5, { fetchOffset: 82, currentLeaderEpoch: 5, lastFetchedEpoch: 4 })).toEqual({ kind: "diverging", epoch: 3, endOffset: 80 });
  });

  it("answers OFFSET_OUT_OF_RANGE outside the log", () => {
    expect(checkFetchPartition(leader, 5, { fetchOffset: 5, currentLeaderEpoch: -1, lastFetchedEpoch: -1 })).toEqual({ kind: "error", errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
    expect(checkFetchPartition(leader, 5, { fetchOffset: 101, currentLeaderEpoch: -1, lastFetchedEpoch: -1 })).toEqual({ kind: "error", errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
  });
});

describe("decideTruncation (follower side, KIP-279)", () => {
  it("cuts to where the shorter log ends the common epoch", () => {
    const follower = logWith([[1, 0], [3, 50], [4, 81]], 90);
    expect(decideTruncation({ epoch: 3, endOffset: 80 }, follower)).toEqual({ truncateTo: 80, complete: true });
  });

  it("cuts to its own end of the epoch when the leader's log is longer in it", () => {
    const follower = logWith([[1, 0], [4, 40]], 60);
    expect(decideTruncation({ epoch: 1, endOffset: 50 }, follower)).toEqual({ truncateTo: 40, complete: true });
  });

  it("steps back one epoch and asks again when it does not know the leader's epoch", () => {
    const follower = logWith([[1, 0], [2, 30], [4, 40]], 60);
    expect(decideTruncation({ epoch: 3, endOffset: 50 }, follower)).toEqual({ truncateTo: 40, complete: false });
  });

  it("keeps only committed data when the leader has no epoch information", () => {
    const follower = logWith([[1, 0]], 60, 0, 25);
    expect(decideTruncation({ epoch: -1, endOffset: 0 }, follower)).toEqual({ truncateTo: 25, complete: true });
  });
});
