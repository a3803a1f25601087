/** Latency samples kept for percentiles; beyond this every k-th sample is kept. */
const DEFAULT_MAX_LATENCY_SAMPLES = 500_000;

export interface PerfSummary {
  records: number;
  bytes: number;
  elapsedMs: number;
  recordsPerSec: number;
  mbPerSec: number;
  latencyMs: { avg: number; p50: number; p95: number; p99: number; p999: number; max: number } | null;
}

/**
 * Throughput and latency bookkeeping in the spirit of kafka-producer-perf-test:
 * totals for rates, a bounded, evenly thinned sample of latencies for
 * percentiles, exact max and mean.
 */
export class PerfStats {
  private records = 0;
  private bytes = 0;
  private latencySum = 0;
  private latencyCount = 0;
  private latencyMax = 0;
  private readonly samples: number[] = [];
  private sampleEvery = 1;
  private seen = 0;

  constructor(
    private readonly startedAtMs: number,
    private readonly maxLatencySamples = DEFAULT_MAX_LATENCY_SAMPLES,
  ) {}

  /** `count` records of `bytes` total completed, each with latency `latencyMs` (or none, for consumers). */
  record(count: number, bytes: number, latencyMs?: number): void {
    this.records += count;
    this.bytes += bytes;
    if (latencyMs === undefined) return;
    for (let i = 0; i < count; i++) this.addLatency(latencyMs);
  }

  private addLatency(latencyMs: number): void {
    this.latencySum += latencyMs;
    this.latencyCount++;
    if (latencyMs > this.latencyMax) this.latencyMax = latencyMs;
    if (this.seen++ % this.sampleEvery !== 0) return;
    this.samples.push(latencyMs);
    if (this.samples.length >= this.maxLatencySamples) {
      // Halve the sample and the rate at which new ones are kept, so the
      // sample stays an even spread over the whole run.
      let w = 0;
      for (let r = 0; r < this.samples.length; r += 2) this.samples[w++] = this.samples[r]!;
      this.samples.length = w;
      this.sampleEvery *= 2;
    }
  }

  get recordCount(): number {
    return this.records;
  }

  summary(nowMs: number): PerfSummary {
    const elapsedMs = Math.max(1, nowMs - this.startedAtMs);
    const seconds = elapsedMs / 1000;
    let latencyMs: PerfSummary["latencyMs"] = null;
    if (this.latencyCount > 0) {
      const sorted = Float64Array.from(this.samples).sort();
      latencyMs = {
        avg: round2(this.latencySum / this.latencyCount),
        p50: percentile(sorted, 0.5),
        p95: percentile(sorted, 0.95),
        p99: percentile(sorted, 0.99),
        p999: percentile(sorted, 0.999),
        max: round2(this.latencyMax),
      };
    }
    return {
      records: this.records,
      bytes: this.bytes,
      elapsedMs: Math.round(elapsedMs),
      recordsPerSec: round2(this.records / seconds),
      mbPerSec: round2(this.bytes / (1024 * 1024) / seconds),
      latencyMs,
    };
  }
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return round2(sorted[rank]!);
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** kafka-producer-perf-test style one-line summary. */
export function formatPerfSummary(s: PerfSummary): string {
  let line = `${s.records} records sent, ${s.recordsPerSec} records/sec (${s.mbPerSec} MB/sec)`;
  if (s.latencyMs) {
    const l = s.latencyMs;
    line += `, ${l.avg} ms avg latency, ${l.max} ms max latency, ${l.p50} ms 50th, ${l.p95} ms 95th, ${l.p99} ms 99th, ${l.p999} ms 99.9th`;
  }
  return line + ".";
}
