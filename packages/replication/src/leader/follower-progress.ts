/**
 * What a leader knows about one follower, learnt from its Fetch requests:
 * its log end offset, its log start offset (for DeleteRecords' low
 * watermark) and the last time it was caught up (Kafka's
 * `lastCaughtUpTimeMs` rule: a fetch at the leader's log end catches the
 * follower up now; a fetch reaching the leader's log end as of the previous
 * fetch caught it up at that previous fetch's time).
 */
export class FollowerProgress {
  /** -1 until the follower's first fetch in this leader epoch. */
  logEndOffset = -1;
  /** -1 until the follower's first fetch in this leader epoch (or when it does not send it). */
  logStartOffset = -1;
  lastFetchTimeMs = -1;
  lastFetchLeaderLogEndOffset = -1;

  constructor(public lastCaughtUpTimeMs: number) {}

  recordFetch(fetchOffset: number, leaderLogEndOffset: number, fetchTimeMs: number, followerLogStartOffset = -1): void {
    if (fetchOffset >= leaderLogEndOffset) {
      this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, fetchTimeMs);
    } else if (fetchOffset >= this.lastFetchLeaderLogEndOffset && this.lastFetchTimeMs >= 0) {
      this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, this.lastFetchTimeMs);
    }
    this.logEndOffset = fetchOffset;
    this.logStartOffset = followerLogStartOffset;
    this.lastFetchLeaderLogEndOffset = leaderLogEndOffset;
    this.lastFetchTimeMs = fetchTimeMs;
  }
}
