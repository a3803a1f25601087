import { ErrorCode } from "@samsa/protocol";
import type { EpochEndOffset } from "@samsa/storage";

/** What the leader answers for one partition of a Fetch before reading it. */
export type FetchPartitionCheck =
  | { readonly kind: "read" }
  | { readonly kind: "error"; readonly errorCode: number }
  /** KIP-320: the fetcher's log diverges from ours; it must truncate to at most `endOffset`. */
  | { readonly kind: "diverging"; readonly epoch: number; readonly endOffset: number };

export interface FetchPartitionRequest {
  readonly fetchOffset: number;
  /** -1 when the client does not send it (older versions, most consumers). */
  readonly currentLeaderEpoch: number;
  /** -1 when absent; followers always send it (Fetch v12+). */
  readonly lastFetchedEpoch: number;
}

/** The leader's log as the check needs it. */
export interface LeaderLogView {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  endOffsetFor(epoch: number): EpochEndOffset;
}

/**
 * Kafka's leader-side Fetch checks, in its order: the requester's view of the
 * leader epoch (stale → FENCED_LEADER_EPOCH, ahead of us →
 * UNKNOWN_LEADER_EPOCH), then divergence of the requester's last fetched
 * epoch (answered with the largest epoch ≤ it that we have and where that
 * epoch ends on our log), then the offset range.
 */
export function checkFetchPartition(log: LeaderLogView, leaderEpoch: number, request: FetchPartitionRequest): FetchPartitionCheck {
  const current = request.currentLeaderEpoch;
  if (current !== -1 && current < leaderEpoch) return { kind: "error", errorCode: ErrorCode.FENCED_LEADER_EPOCH };
  if (current !== -1 && current > leaderEpoch) return { kind: "error", errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH };
  if (request.lastFetchedEpoch >= 0) {
    const end = log.endOffsetFor(request.lastFetchedEpoch);
    if (end.leaderEpoch < request.lastFetchedEpoch || end.endOffset < request.fetchOffset) {
      return { kind: "diverging", epoch: end.leaderEpoch, endOffset: end.endOffset };
    }
  }
  if (request.fetchOffset < log.logStartOffset || request.fetchOffset > log.logEndOffset) {
    return { kind: "error", errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
  }
  return { kind: "read" };
}
