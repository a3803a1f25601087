import { silentLogger } from "@samsa/broker";
import { GroupCoordinator } from "../../src/groups/group-coordinator.js";
import type { GroupCoordinatorConfig } from "../../src/groups/group-config.js";
import type { OffsetsLog, OffsetsRecord } from "../../src/groups/offsets-log.js";
import type { Scheduler } from "../../src/groups/scheduler.js";

/** A clock and timers that move only when the test advances them. */
export class ManualScheduler implements Scheduler {
  private time = 1_700_000_000_000;
  private nextId = 0;
  private readonly tasks = new Map<number, { at: number; task: () => void }>();

  now(): number {
    return this.time;
  }

  schedule(delayMs: number, task: () => void): () => void {
    const id = this.nextId++;
    this.tasks.set(id, { at: this.time + Math.max(0, delayMs), task });
    return () => this.tasks.delete(id);
  }

  /** Moves time forward, running due timers in time order (including ones they schedule). */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let next: [number, { at: number; task: () => void }] | undefined;
      for (const entry of this.tasks) if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.tasks.delete(next[0]);
      this.time = next[1].at;
      next[1].task();
    }
    this.time = target;
  }
}

/**
 * `__consumer_offsets` in memory; `failAppends` makes writes fail as a broken
 * disk would; `holdCommit()` keeps a new leader's log uncommitted (loads wait)
 * until the returned function releases it.
 */
export class MemoryOffsetsLog implements OffsetsLog {
  readonly partitions = new Map<number, Array<{ record: OffsetsRecord; timestampMs: number }>>();
  failAppends = false;
  /** Called after create() made the topic: the test's stand-in for the leaders being elected. */
  onCreated: ((count: number) => void) | undefined;
  private commitHeld: Promise<void> | undefined;
  constructor(private count: number | null = null) {}

  partitionCount(): number | null {
    return this.count;
  }
  async create(): Promise<void> {
    if (this.count !== null) return;
    this.count = TEST_CONFIG.offsetsPartitionCount;
    this.onCreated?.(this.count);
  }
  holdCommit(): () => void {
    let release!: () => void;
    this.commitHeld = new Promise<void>((r) => (release = r));
    return () => {
      this.commitHeld = undefined;
      release();
    };
  }
  async awaitCommitted(): Promise<boolean> {
    await this.commitHeld;
    return true;
  }
  async append(partition: number, records: readonly OffsetsRecord[], timestampMs: number): Promise<void> {
    if (this.failAppends) throw Object.assign(new Error("disk failed"), { errorCode: 56 });
    const list = this.partitions.get(partition) ?? [];
    for (const record of records) list.push({ record, timestampMs });
    this.partitions.set(partition, list);
  }
  async replay(partition: number, onRecord: (record: OffsetsRecord, timestampMs: number) => void): Promise<void> {
    for (const { record, timestampMs } of this.partitions.get(partition) ?? []) onRecord(record, timestampMs);
  }
  get recordCount(): number {
    let n = 0;
    for (const list of this.partitions.values()) n += list.length;
    return n;
  }
}

export const TEST_CONFIG: GroupCoordinatorConfig = {
  offsetsPartitionCount: 5,
  offsetsReplicationFactor: 1,
  offsetsCommitTimeoutMs: 5_000,
  initialRebalanceDelayMs: 100,
  minSessionTimeoutMs: 1_000,
  maxSessionTimeoutMs: 60_000,
  maxGroupSize: 10,
  offsetMetadataMaxBytes: 64,
  offsetsRetentionMs: 60_000,
  retentionCheckIntervalMs: 600_000,
};

export function newCoordinator(log = new MemoryOffsetsLog(), scheduler = new ManualScheduler(), config: Partial<GroupCoordinatorConfig> = {}) {
  const coordinator = new GroupCoordinator({
    config: { ...TEST_CONFIG, ...config },
    log,
    scheduler,
    logger: silentLogger(),
    partitionExists: (topic, partition) => topic === "t" && partition >= 0 && partition < 4,
  });
  coordinator.start();
  // This broker leads every partition (as on a single node).
  const leadAll = (count: number) => {
    for (let p = 0; p < count; p++) coordinator.partitionLed(p, 0);
  };
  log.onCreated = leadAll;
  const count = log.partitionCount();
  if (count !== null) leadAll(count);
  return { coordinator, log, scheduler };
}

/** Lets promise callbacks (durable appends) run. */
export function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
