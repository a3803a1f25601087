/** Average and maximum over the samples of the current window (NaN when there are none, as Kafka reports). */
export interface LatencySummary {
  readonly count: number;
  readonly avgMs: number;
  readonly maxMs: number;
}

export interface CommitLatencyOptions {
  /** Samples older than this no longer count (Kafka's metrics window is 30 s). */
  readonly windowMs: number;
  /** Bound on the samples kept in the window; the oldest go first. */
  readonly maxSamples: number;
  /** Bound on proposals waiting for the high watermark; beyond it the oldest are forgotten. */
  readonly maxPendingProposals: number;
}

export const DEFAULT_COMMIT_LATENCY_OPTIONS: CommitLatencyOptions = { windowMs: 30_000, maxSamples: 1024, maxPendingProposals: 4096 };

/**
 * Raft commit latency on the leader: from appending a proposal to its log to the
 * high watermark covering its last entry (KRaft's commit-latency-avg/-max). A
 * proposal from an epoch this node no longer leads is never sampled.
 */
export class CommitLatency {
  private readonly pending: { epoch: number; lastOffset: number; startMs: number }[] = [];
  private readonly samples: { atMs: number; latencyMs: number }[] = [];

  constructor(private readonly options: CommitLatencyOptions = DEFAULT_COMMIT_LATENCY_OPTIONS) {}

  proposed(epoch: number, lastOffset: number, nowMs: number): void {
    this.pending.push({ epoch, lastOffset, startMs: nowMs });
    if (this.pending.length > this.options.maxPendingProposals) this.pending.shift();
  }

  /** The leader's state after a step: samples every pending proposal the high watermark (exclusive) now covers. */
  advanced(isLeader: boolean, epoch: number, highWatermark: number, nowMs: number): void {
    if (!isLeader) {
      this.pending.length = 0;
      return;
    }
    while (this.pending.length > 0) {
      const head = this.pending[0]!;
      if (head.epoch === epoch && head.lastOffset >= highWatermark) break;
      this.pending.shift();
      if (head.epoch !== epoch) continue;
      this.samples.push({ atMs: nowMs, latencyMs: nowMs - head.startMs });
      if (this.samples.length > this.options.maxSamples) this.samples.shift();
    }
  }

  summary(nowMs: number): LatencySummary {
    const from = nowMs - this.options.windowMs;
    while (this.samples.length > 0 && this.samples[0]!.atMs < from) this.samples.shift();
    if (this.samples.length === 0) return { count: 0, avgMs: Number.NaN, maxMs: Number.NaN };
    let sum = 0;
    let max = 0;
    for (const s of this.samples) {
      sum += s.latencyMs;
      max = Math.max(max, s.latencyMs);
    }
    return { count: this.samples.length, avgMs: sum / this.samples.length, maxMs: max };
  }
}
