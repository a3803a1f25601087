import type { FetchRequest, FetchResponse } from "@samsa/protocol";
import { DEFAULT_REPLICA_FETCHER_CONFIG, FollowerPartitionState, ReplicaFetcher, type FetchTransport, type ReplicaLog } from "@samsa/replication";
import type { EpochEndOffset } from "@samsa/storage";
import { describe, expect, it } from "vitest";
import { ManualClock } from "./helpers/fake-log.js";

/** Longest a partition's append waits for another's to begin before it fails the test. */
const OVERLAP_WAIT_MS = 2_000;
const TOPIC = "t";

/** A follower log whose append completes only once `waitFor` has started its own append (an fsync that takes a while). */
class SlowAppendLog implements ReplicaLog {
  readonly logStartOffset = 0;
  logEndOffset = 0;
  highWatermark = 0;
  readonly latestEpoch = 0;
  started = false;
  private onStart: (() => void) | undefined;
  waitFor: SlowAppendLog | undefined;

  endOffsetFor(): EpochEndOffset {
    return { leaderEpoch: -1, endOffset: -1 };
  }
  truncateTo(): Promise<void> {
    throw new Error("not used");
  }
  truncateFullyAndStartAt(): Promise<void> {
    throw new Error("not used");
  }
  deleteRecordsBefore(): Promise<number> {
    throw new Error("not used");
  }
  assignEpoch(): Promise<void> {
    throw new Error("not used");
  }

  async appendAsFollower(records: Buffer): Promise<{ lastOffset: number }> {
    this.started = true;
    this.onStart?.();
    await this.waitFor?.startedOrTimeout();
    this.logEndOffset += records.length;
    return { lastOffset: this.logEndOffset - 1 };
  }

  private startedOrTimeout(): Promise<void> {
    if (this.started) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the other partition's append never started while this one was pending")), OVERLAP_WAIT_MS);
      this.onStart = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** Answers the first fetch with `records` for partitions 0 and 1; later fetches wait until close. */
class OneResponseTransport implements FetchTransport {
  private answered = false;
  private release: ((err: Error) => void) | undefined;

  fetch(_request: FetchRequest, _timeoutMs: number): Promise<FetchResponse> {
    if (this.answered) return new Promise((_, reject) => (this.release = reject));
    this.answered = true;
    const partition = (partitionIndex: number) => ({ partitionIndex, errorCode: 0, highWatermark: 0, lastStableOffset: 0, logStartOffset: 0, abortedTransactions: [], preferredReadReplica: -1, records: Buffer.alloc(3, partitionIndex) });
    return Promise.resolve({ throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [{ topic: TOPIC, partitions: [partition(0), partition(1)] }] } as unknown as FetchResponse);
  }

  close(): void {
    this.release?.(new Error("closed"));
  }
}

describe("ReplicaFetcher", () => {
  it("applies the partitions of one response concurrently, so their appends' fsyncs overlap", async () => {
    const logs = [new SlowAppendLog(), new SlowAppendLog()] as const;
    // Each append waits for the other to start: applied one after another, the first would time out.
    logs[0].waitFor = logs[1];
    logs[1].waitFor = logs[0];
    const errors: unknown[] = [];
    const progressed: string[] = [];
    const fetcher = new ReplicaFetcher({
      sourceBrokerId: 1,
      localBrokerId: 2,
      transportFactory: () => new OneResponseTransport(),
      clock: new ManualClock(),
      logger: { info() {}, warn() {}, error: (obj: object) => errors.push(obj) },
      config: DEFAULT_REPLICA_FETCHER_CONFIG,
      onProgress: (state) => progressed.push(state.key),
    });
    const states = logs.map((log, partition) => new FollowerPartitionState({ topic: TOPIC, partition, topicId: "" }, log, 1, 0));
    for (const s of states) fetcher.addPartition(s);
    fetcher.start();
    try {
      await expect.poll(() => progressed.length, { timeout: OVERLAP_WAIT_MS * 2 }).toBe(2);
      expect(errors).toEqual([]);
      expect(states.map((s) => s.appendedBatches)).toEqual([1, 1]);
      expect(logs.map((l) => l.logEndOffset)).toEqual([3, 3]);
    } finally {
      await fetcher.close();
    }
  });
});
