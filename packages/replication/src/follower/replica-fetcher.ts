import { BATCH_HEADER_BYTES, ErrorCode, errorCodeName, RecordBatchView, type FetchRequest, type FetchResponse, type FetchResponsePartitionData } from "@samsa/protocol";
import type { Clock, NodeId, ReplicationLogger } from "../types.js";
import { partitionKey } from "../types.js";
import type { FetchTransport, FetchTransportFactory } from "./fetch-transport.js";
import type { FollowerPartitionState } from "./follower-partition-state.js";
import { decideTruncation } from "./truncation.js";

export interface ReplicaFetcherConfig {
  /** replica.fetch.wait.max.ms: the leader's long-poll bound. */
  readonly maxWaitMs: number;
  /** replica.fetch.min.bytes */
  readonly minBytes: number;
  /** replica.fetch.response.max.bytes */
  readonly maxBytes: number;
  /** replica.fetch.max.bytes (per partition) */
  readonly partitionMaxBytes: number;
  /** replica.fetch.backoff.ms: pause after an error, per partition or for the whole fetcher. */
  readonly backoffMs: number;
  /** Added to maxWaitMs to bound one fetch round trip. */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_REPLICA_FETCHER_CONFIG: ReplicaFetcherConfig = {
  maxWaitMs: 500,
  minBytes: 1,
  maxBytes: 10 * 1024 * 1024,
  partitionMaxBytes: 1024 * 1024,
  backoffMs: 1000,
  requestTimeoutMs: 30_000,
};

export interface ReplicaFetcherOptions {
  readonly sourceBrokerId: NodeId;
  readonly localBrokerId: NodeId;
  readonly transportFactory: FetchTransportFactory;
  readonly clock: Clock;
  readonly logger: ReplicationLogger;
  readonly config: ReplicaFetcherConfig;
  /** Called after a partition's log or high watermark changed (metrics, waking readers). */
  readonly onProgress?: (state: FollowerPartitionState) => void;
  /** Longest idle sleep when nothing can be fetched; the loop re-checks after it. */
  readonly idleWaitMs?: number;
}

const DEFAULT_IDLE_WAIT_MS = 1000;

/**
 * Pulls every partition this broker follows from one source broker with one
 * Fetch per round (Kafka's ReplicaFetcherThread), as a sequential async loop:
 * build the request from the logs' ends and last epochs, send it, then apply
 * each partition's answer (append the received bytes as they are, truncate
 * on a diverging epoch, restart past the leader's log start, back off on
 * epoch or leadership errors) before the next round.
 */
export class ReplicaFetcher {
  private readonly partitions = new Map<string, FollowerPartitionState>();
  private transport: FetchTransport | undefined;
  private running: Promise<void> | undefined;
  private processing: Promise<void> = Promise.resolve();
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly idleWaitMs: number;
  rounds = 0;

  constructor(private readonly options: ReplicaFetcherOptions) {
    this.idleWaitMs = options.idleWaitMs ?? DEFAULT_IDLE_WAIT_MS;
  }

  get sourceBrokerId(): NodeId {
    return this.options.sourceBrokerId;
  }

  get partitionCount(): number {
    return this.partitions.size;
  }

  states(): Iterable<FollowerPartitionState> {
    return this.partitions.values();
  }

  start(): void {
    this.running ??= this.loop().catch((err: unknown) => {
      this.options.logger.error({ err, source: this.options.sourceBrokerId }, "replica fetcher stopped");
    });
  }

  /** Adds (or replaces, e.g. for a new leader epoch) a partition; the caller removed it from any other fetcher first. */
  addPartition(state: FollowerPartitionState): void {
    const previous = this.partitions.get(state.key);
    if (previous) previous.removed = true;
    this.partitions.set(state.key, state);
    this.wake?.();
  }

  /** Stops fetching `key`; resolves once no response for it is being applied any more. */
  async removePartition(key: string): Promise<void> {
    const state = this.partitions.get(key);
    if (!state) return;
    state.removed = true;
    this.partitions.delete(key);
    await this.processing;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.partitions.values()) s.removed = true;
    this.partitions.clear();
    this.transport?.close();
    this.transport = undefined;
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      const now = this.options.clock.nowMs();
      const ready = [...this.partitions.values()].filter((s) => s.isReady(now));
      if (ready.length === 0) {
        await this.sleep(this.nextReadyInMs(now));
        continue;
      }
      this.transport ??= this.options.transportFactory(this.options.sourceBrokerId);
      if (!this.transport) {
        await this.sleep(this.options.config.backoffMs);
        continue;
      }
      let response: FetchResponse;
      try {
        response = await this.transport.fetch(this.buildRequest(ready), this.options.config.maxWaitMs + this.options.config.requestTimeoutMs);
      } catch (err) {
        if (this.closed) return;
        this.options.logger.warn({ err: String(err), source: this.options.sourceBrokerId }, "replica fetch failed; backing off");
        this.transport?.close();
        this.transport = undefined;
        await this.sleep(this.options.config.backoffMs);
        continue;
      }
      this.rounds += 1;
      if (this.closed) return;
      if ((response.errorCode ?? 0) !== ErrorCode.NONE) {
        this.options.logger.warn({ source: this.options.sourceBrokerId, error: errorCodeName(response.errorCode ?? 0) }, "replica fetch refused");
        await this.sleep(this.options.config.backoffMs);
        continue;
      }
      this.processing = this.applyResponse(response);
      await this.processing;
    }
  }

  buildRequest(ready: readonly FollowerPartitionState[]): FetchRequest {
    const byTopic = new Map<string, FetchRequest["topics"][number]>();
    for (const s of ready) {
      let topic = byTopic.get(s.id.topic);
      if (!topic) byTopic.set(s.id.topic, (topic = { topic: s.id.topic, partitions: [] }));
      topic.partitions.push({
        partition: s.id.partition,
        currentLeaderEpoch: s.leaderEpoch,
        fetchOffset: s.fetchOffset,
        lastFetchedEpoch: s.lastFetchedEpoch,
        logStartOffset: s.log.logStartOffset,
        partitionMaxBytes: this.options.config.partitionMaxBytes,
      });
    }
    const { config } = this.options;
    return {
      replicaId: this.options.localBrokerId,
      maxWaitMs: config.maxWaitMs,
      minBytes: config.minBytes,
      maxBytes: config.maxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...byTopic.values()],
      forgottenTopicsData: [],
      rackId: "",
    };
  }

  /**
   * Partitions are applied concurrently: each has its own log, and an append
   * resolves only after its fsync (log.flush.interval.messages=1), so applying
   * them one after another would add one fsync per partition to every round,
   * and to the acks=all latency that waits for the next round.
   */
  private async applyResponse(response: FetchResponse): Promise<void> {
    const applying: Promise<void>[] = [];
    for (const topic of response.responses) {
      for (const pd of topic.partitions) {
        const state = this.partitions.get(partitionKey(topic.topic ?? "", pd.partitionIndex));
        if (!state || state.removed) continue;
        applying.push(
          this.applyPartition(state, pd).catch((err: unknown) => {
            // A local storage failure (or a batch the log refuses): retry later.
            this.options.logger.error({ err, partition: state.key }, "applying fetched data failed; backing off");
            state.delayedUntilMs = this.options.clock.nowMs() + this.options.config.backoffMs;
          }),
        );
      }
    }
    await Promise.all(applying);
  }

  private async applyPartition(state: FollowerPartitionState, pd: FetchResponsePartitionData): Promise<void> {
    const log = state.log;
    switch (pd.errorCode) {
      case ErrorCode.NONE: {
        const diverging = pd.divergingEpoch;
        if (diverging && (diverging.epoch >= 0 || diverging.endOffset >= 0)) {
          const decision = decideTruncation(diverging, log);
          this.options.logger.info(
            { partition: state.key, diverging, logEndOffset: log.logEndOffset, truncateTo: decision.truncateTo },
            "truncating the divergent suffix",
          );
          if (state.removed) return;
          await log.truncateTo(decision.truncateTo);
          state.truncations += 1;
          this.options.onProgress?.(state);
          return;
        }
        const records = pd.records === null ? undefined : Array.isArray(pd.records) ? Buffer.concat(pd.records) : pd.records;
        if (records && records.length > 0) {
          if (state.removed) return;
          await this.startAtFirstBatch(state, records);
          await log.appendAsFollower(records);
          state.appendedBatches += 1;
        }
        if (!state.removed && pd.highWatermark >= 0 && pd.highWatermark > log.highWatermark) {
          log.highWatermark = Math.min(pd.highWatermark, log.logEndOffset);
        }
        await this.followLeaderLogStart(state, pd.logStartOffset ?? -1);
        this.options.onProgress?.(state);
        return;
      }
      case ErrorCode.OFFSET_OUT_OF_RANGE: {
        const leaderStart = pd.logStartOffset ?? -1;
        if (state.removed) return;
        if (leaderStart >= 0 && state.fetchOffset < leaderStart) {
          this.options.logger.info({ partition: state.key, fetchOffset: state.fetchOffset, leaderStart }, "behind the leader's log start; restarting the log there");
          await log.truncateFullyAndStartAt(leaderStart);
          state.truncations += 1;
        } else if (pd.highWatermark >= 0 && pd.highWatermark < log.logEndOffset) {
          // Ahead of the leader's log end: keep what is committed and fetch again.
          this.options.logger.info({ partition: state.key, fetchOffset: state.fetchOffset, leaderHighWatermark: pd.highWatermark }, "ahead of the leader; truncating to its high watermark");
          await log.truncateTo(Math.max(pd.highWatermark, log.logStartOffset));
          state.truncations += 1;
        } else {
          state.delayedUntilMs = this.options.clock.nowMs() + this.options.config.backoffMs;
        }
        this.options.onProgress?.(state);
        return;
      }
      default:
        // FENCED_LEADER_EPOCH / NOT_LEADER_OR_FOLLOWER / UNKNOWN_*: the leader or we
        // have stale metadata; wait for the next metadata update (or retry).
        this.options.logger.debug?.({ partition: state.key, error: errorCodeName(pd.errorCode) }, "replica fetch partition error");
        state.delayedUntilMs = this.options.clock.nowMs() + this.options.config.backoffMs;
    }
  }

  /**
   * The leader's log start can fall inside a batch (DeleteRecords to any
   * offset), and a follower that restarted its log there receives that whole
   * batch. As Kafka's follower does, an empty log restarts at the batch's
   * base offset so the batch can be appended; the leader's log start from the
   * same response then moves the log start back up.
   */
  private async startAtFirstBatch(state: FollowerPartitionState, records: Buffer): Promise<void> {
    const log = state.log;
    if (log.logEndOffset !== log.logStartOffset || records.length < BATCH_HEADER_BYTES) return;
    const first = new RecordBatchView(records);
    if (first.baseOffset < log.logEndOffset && first.lastOffset >= log.logEndOffset) {
      this.options.logger.info({ partition: state.key, logStartOffset: log.logStartOffset, batchBaseOffset: first.baseOffset }, "first fetched batch starts before the log start; restarting the log at its base offset");
      await log.truncateFullyAndStartAt(first.baseOffset);
    }
  }

  /**
   * Kafka's follower `maybeIncrementLogStartOffset(leaderLogStartOffset)`:
   * DeleteRecords and retention on the leader move every replica's log
   * start, and the next fetch reports ours so the leader's low watermark
   * moves. Never past our high watermark: only committed records are
   * deleted (a follower behind the leader's log start gets OFFSET_OUT_OF_RANGE
   * instead and restarts its log there).
   */
  private async followLeaderLogStart(state: FollowerPartitionState, leaderLogStartOffset: number): Promise<void> {
    const log = state.log;
    const target = Math.min(leaderLogStartOffset, log.highWatermark);
    if (state.removed || target <= log.logStartOffset) return;
    const before = log.logStartOffset;
    await log.deleteRecordsBefore(target);
    this.options.logger.debug?.({ partition: state.key, from: before, to: log.logStartOffset }, "moved the log start with the leader's");
  }

  private nextReadyInMs(now: number): number {
    let next = this.idleWaitMs;
    for (const s of this.partitions.values()) if (!s.removed) next = Math.min(next, Math.max(1, s.delayedUntilMs - now));
    return next;
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
