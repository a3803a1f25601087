// The follower side of DeleteRecords and retention: a follower moves its log
// start up to the leader's (from each Fetch response), never past its own high
// watermark, restarts its log at the leader's log start when it is behind it,
// and reports its log start in the next Fetch request.
import { BATCH_HEADER_BYTES, buildRecordBatch, ErrorCode, RecordBatchView, type FetchRequest, type FetchResponse, type FetchResponsePartitionData } from "@samsa/protocol";
import { DEFAULT_REPLICA_FETCHER_CONFIG, FollowerPartitionState, ReplicaFetcher, type FetchTransport, type ReplicaLog } from "@samsa/replication";
import type { EpochEndOffset } from "@samsa/storage";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "./helpers/fake-log.js";

const TOPIC = "t";
const WAIT_MS = 2_000;

/** Offsets only; records each call replication makes. */
class RecordingLog implements ReplicaLog {
  logStartOffset = 0;
  highWatermarkValue = 0;
  readonly latestEpoch = 0;
  readonly calls: string[] = [];

  constructor(public logEndOffset: number) {}

  get highWatermark(): number {
    return this.highWatermarkValue;
  }
  set highWatermark(offset: number) {
    this.highWatermarkValue = Math.max(this.logStartOffset, Math.min(offset, this.logEndOffset));
  }
  endOffsetFor(): EpochEndOffset {
    return { leaderEpoch: -1, endOffset: -1 };
  }
  appendAsFollower(records: Buffer): Promise<{ lastOffset: number }> {
    if (records.length >= BATCH_HEADER_BYTES) {
      // A real batch: it must start inside or at our log end, as the storage checks.
      const batch = new RecordBatchView(records);
      if (batch.baseOffset < this.logEndOffset) return Promise.reject(new Error(`batch at ${batch.baseOffset} is below the log end ${this.logEndOffset}`));
      this.logEndOffset = batch.nextOffset;
      this.calls.push(`append batch ${batch.baseOffset}..${batch.lastOffset}`);
      return Promise.resolve({ lastOffset: batch.lastOffset });
    }
    // Otherwise one offset per byte keeps the arithmetic visible.
    this.logEndOffset += records.length;
    this.calls.push(`append ${records.length}`);
    return Promise.resolve({ lastOffset: this.logEndOffset - 1 });
  }
  truncateTo(offset: number): Promise<void> {
    this.calls.push(`truncateTo ${offset}`);
    this.logEndOffset = Math.min(this.logEndOffset, offset);
    return Promise.resolve();
  }
  truncateFullyAndStartAt(offset: number): Promise<void> {
    this.calls.push(`truncateFullyAndStartAt ${offset}`);
    this.logStartOffset = this.logEndOffset = this.highWatermarkValue = offset;
    return Promise.resolve();
  }
  deleteRecordsBefore(offset: number): Promise<number> {
    this.calls.push(`deleteRecordsBefore ${offset}`);
    this.logStartOffset = Math.max(this.logStartOffset, Math.min(offset, this.logEndOffset));
    return Promise.resolve(this.logStartOffset);
  }
  assignEpoch(): Promise<void> {
    throw new Error("not used");
  }
}

type Answer = Partial<FetchResponsePartitionData>;

/** Answers fetches from a script (one partition each) and keeps the requests; then holds further fetches until closed. */
class ScriptedTransport implements FetchTransport {
  readonly requests: FetchRequest[] = [];
  private release: ((err: Error) => void) | undefined;
  constructor(private readonly answers: Answer[]) {}

  fetch(request: FetchRequest): Promise<FetchResponse> {
    this.requests.push(request);
    const answer = this.answers.shift();
    if (!answer) return new Promise((_, reject) => (this.release = reject));
    const pd = { partitionIndex: 0, errorCode: ErrorCode.NONE, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, abortedTransactions: null, preferredReadReplica: -1, records: [], ...answer };
    return Promise.resolve({ throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [{ topic: TOPIC, partitions: [pd] }] } as unknown as FetchResponse);
  }

  close(): void {
    this.release?.(new Error("closed"));
  }
}

let fetcher: ReplicaFetcher | undefined;
afterEach(async () => {
  await fetcher?.close();
  fetcher = undefined;
});

/** Runs a fetcher for one partition over `answers`; resolves once it sent the request after the last answer. */
async function follow(log: RecordingLog, answers: Answer[]): Promise<ScriptedTransport> {
  const transport = new ScriptedTransport(answers);
  const rounds = answers.length;
  fetcher = new ReplicaFetcher({
    sourceBrokerId: 1,
    localBrokerId: 2,
    transportFactory: () => transport,
    clock: new ManualClock(),
    logger: { info() {}, warn() {}, error() {} },
    config: DEFAULT_REPLICA_FETCHER_CONFIG,
  });
  fetcher.addPartition(new FollowerPartitionState({ topic: TOPIC, partition: 0, topicId: "" }, log, 1, 0));
  fetcher.start();
  await expect.poll(() => transport.requests.length, { timeout: WAIT_MS }).toBe(rounds + 1);
  return transport;
}

const sentLogStart = (t: ScriptedTransport, round: number) => t.requests[round]!.topics[0]!.partitions[0]!.logStartOffset;

describe("a follower follows the leader's log start", () => {
  it("moves its log start up to the leader's and reports it in the next fetch", async () => {
    const log = new RecordingLog(10);
    log.highWatermark = 10;
    const transport = await follow(log, [{ highWatermark: 10, logStartOffset: 4 }]);
    expect(log.calls).toEqual(["deleteRecordsBefore 4"]);
    expect(log.logStartOffset).toBe(4);
    expect(sentLogStart(transport, 0)).toBe(0);
    expect(sentLogStart(transport, 1)).toBe(4);
  });

  it("appends first, then moves the log start no further than its own high watermark", async () => {
    const log = new RecordingLog(2);
    // The leader deleted up to 6; we get records 2..7 and learn HW 5 (the leader's HW is above our log end).
    const transport = await follow(log, [
      { highWatermark: 5, logStartOffset: 6, records: [Buffer.alloc(6)] },
      { highWatermark: 8, logStartOffset: 6 },
    ]);
    expect(log.calls).toEqual(["append 6", "deleteRecordsBefore 5", "deleteRecordsBefore 6"]);
    expect(log.logStartOffset).toBe(6);
    expect(sentLogStart(transport, 2)).toBe(6);
  });

  it("leaves its log alone when the leader's log start is not ahead", async () => {
    const log = new RecordingLog(10);
    log.highWatermark = 10;
    await log.deleteRecordsBefore(3);
    log.calls.length = 0;
    await follow(log, [{ highWatermark: 10, logStartOffset: 3 }, { highWatermark: 10, logStartOffset: 1 }, { highWatermark: 10, logStartOffset: -1 }]);
    expect(log.calls).toEqual([]);
    expect(log.logStartOffset).toBe(3);
  });

  it("restarts its log at the leader's log start when its log end is below it (OFFSET_OUT_OF_RANGE)", async () => {
    const log = new RecordingLog(10);
    log.highWatermark = 10;
    const transport = await follow(log, [{ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: 40, logStartOffset: 25 }]);
    expect(log.calls).toEqual(["truncateFullyAndStartAt 25"]);
    expect(transport.requests[1]!.topics[0]!.partitions[0]).toMatchObject({ fetchOffset: 25, logStartOffset: 25 });
  });

  it("restarts an empty log at the base offset of a batch that straddles its log start, then moves the log start back up", async () => {
    const log = new RecordingLog(0);
    await log.truncateFullyAndStartAt(45);
    log.calls.length = 0;
    const batch = buildRecordBatch({ records: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })), timestamp: 1 });
    new RecordBatchView(batch).baseOffset = 40;
    const transport = await follow(log, [{ highWatermark: 60, logStartOffset: 45, records: [batch] }]);
    expect(log.calls).toEqual(["truncateFullyAndStartAt 40", "append batch 40..49", "deleteRecordsBefore 45"]);
    expect(transport.requests[1]!.topics[0]!.partitions[0]).toMatchObject({ fetchOffset: 50, logStartOffset: 45 });
  });
});
