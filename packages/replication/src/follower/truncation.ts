import type { EpochEndOffset } from "@samsa/storage";

/** Where a follower cuts its log after a diverging-epoch answer, and whether it must ask again. */
export interface TruncationDecision {
  readonly truncateTo: number;
  /** False when the follower does not know the leader's epoch: truncate, then fetch again to narrow it down. */
  readonly complete: boolean;
}

/**
 * KIP-279's follower rule. The leader answered `diverging` = (the largest
 * epoch ≤ our last fetched epoch that it has, where that epoch ends on its
 * log). We look up the same epoch on our log:
 * - the leader has no epoch information: keep only what is committed (our HW);
 * - we do not have that epoch either: cut to the end of the largest epoch we
 *   have below it and fetch again (the next answer narrows the divergence);
 * - we have it: cut to where the shorter of the two logs ends it.
 */
export function decideTruncation(
  diverging: { epoch: number; endOffset: number },
  local: { logEndOffset: number; highWatermark: number; endOffsetFor(epoch: number): EpochEndOffset },
): TruncationDecision {
  if (diverging.epoch < 0 || diverging.endOffset < 0) {
    return { truncateTo: Math.min(local.highWatermark, local.logEndOffset), complete: true };
  }
  const ours = local.endOffsetFor(diverging.epoch);
  if (ours.leaderEpoch < 0) return { truncateTo: Math.min(diverging.endOffset, local.logEndOffset), complete: true };
  if (ours.leaderEpoch !== diverging.epoch) {
    return { truncateTo: Math.min(ours.endOffset, local.logEndOffset), complete: false };
  }
  return { truncateTo: Math.min(ours.endOffset, diverging.endOffset, local.logEndOffset), complete: true };
}
