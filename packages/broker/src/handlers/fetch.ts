import {
  ApiKey,
  ErrorCode,
  ZERO_UUID,
  type FetchRequest,
  type FetchResponse,
  type FetchResponsePartitionData,
} from "@samsa/protocol";
import { readForFollower } from "@samsa/replication";
import type { BrokerContext } from "../broker-context.js";
import { errorName, kafkaErrorCodeOf } from "./error-mapping.js";
import { defineHandler, type RequestContext } from "./handler.js";

/** Upper bound on a long-poll, whatever MaxWaitMs the client asks for. */
export const MAX_FETCH_WAIT_MS = 300_000;
/** Fetch session id 0: sessionless (a full fetch every time). */
const SESSIONLESS = 0;

interface FetchPass {
  response: FetchResponse;
  bytes: number;
  hasError: boolean;
  keys: string[];
  /** Pooled read buffers in `response`: handed to the connection with the answer, or released when the pass is discarded. */
  releases: Array<() => void>;
}

/** The pass is the answer: its borrowed buffers go back once the socket wrote them. */
function answerWith(ctx: RequestContext, pass: FetchPass): FetchResponse {
  if (ctx.onResponseWritten) for (const release of pass.releases) ctx.onResponseWritten(release);
  return pass.response;
}

/** The pass is not sent (the long poll reads again): nothing references its buffers. */
function discard(pass: FetchPass): void {
  for (const release of pass.releases) release();
}

/** Reads every requested partition once, honouring partition and response byte limits. */
async function readOnce(ctx: RequestContext, request: FetchRequest, version: number): Promise<FetchPass> {
  const broker: BrokerContext = ctx.broker;
  let remainingBytes = Math.max(0, request.maxBytes ?? 0x7fffffff);
  let bytes = 0;
  let hasError = false;
  const keys: string[] = [];
  const releases: Array<() => void> = [];
  // No transactions yet, so a read_committed fetch has no aborted ranges to skip.
  const readCommitted = request.isolationLevel === 1;
  const responses: FetchResponse["responses"] = [];
  for (const topic of request.topics) {
    const meta = version >= 13 ? broker.metadata.topicById(topic.topicId ?? ZERO_UUID) : broker.metadata.topic(topic.topic ?? "");
    const partitions: FetchResponsePartitionData[] = [];
    for (const fp of topic.partitions) {
      const base = { partitionIndex: fp.partition, abortedTransactions: readCommitted ? [] : null, preferredReadReplica: -1 };
      const fail = (errorCode: number): void => {
        hasError = true;
        broker.metrics.failedFetchRequests.inc({ topic: meta?.name ?? topic.topic ?? "" });
        broker.metrics.requestErrors.inc({ request: "Fetch", error: errorName(errorCode) });
        // Kafka sends empty (not null) records for failed partitions; some clients expect that.
        partitions.push({ ...base, errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, records: [] });
      };
      if (!meta) {
        fail(version >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      const partition = broker.partitions.get(meta.name, fp.partition);
      if (!partition) {
        // The topic exists but this broker holds no replica: the client's metadata is stale.
        fail(meta.partitionCount > fp.partition ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      const replicaId = Math.max(request.replicaId ?? -1, request.replicaState?.replicaId ?? -1);
      if (replicaId >= 0 && broker.replication) {
        // A follower's fetch: epoch and divergence checks, a read up to the log end, progress recorded.
        keys.push(partition.key);
        let pd: FetchResponsePartitionData;
        try {
          pd = await readForFollower(broker.replication.manager, partition.log, meta.name, replicaId, fp, remainingBytes, releases);
        } catch (err) {
          fail(kafkaErrorCodeOf(err, ctx.logger, `replica read from ${partition.key}`).errorCode);
          continue;
        }
        // Errors and divergence are answered at once, without waiting for data.
        if (pd.errorCode !== ErrorCode.NONE || pd.divergingEpoch) hasError = true;
        const readBytes = Array.isArray(pd.records) ? pd.records.reduce((n, b) => n + b.length, 0) : 0;
        bytes += readBytes;
        remainingBytes = Math.max(0, remainingBytes - readBytes);
        partitions.push(pd);
        continue;
      }
      // Consumers read from leaders only (replica fetching belongs to the replication package).
      if (!partition.isLeader && (request.replicaId ?? -1) < 0 && (request.replicaState?.replicaId ?? -1) < 0) {
        fail(ErrorCode.NOT_LEADER_OR_FOLLOWER);
        continue;
      }
      keys.push(partition.key);
      const currentEpoch = fp.currentLeaderEpoch ?? -1;
      if (currentEpoch !== -1 && currentEpoch !== partition.leaderEpoch) {
        fail(currentEpoch > partition.leaderEpoch ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.FENCED_LEADER_EPOCH);
        continue;
      }
      const log = partition.log;
      const highWatermark = log.highWatermark;
      const logStartOffset = log.logStartOffset;
      if (fp.fetchOffset < logStartOffset || fp.fetchOffset > log.logEndOffset) {
        fail(ErrorCode.OFFSET_OUT_OF_RANGE);
        partitions[partitions.length - 1] = { ...partitions[partitions.length - 1]!, highWatermark, lastStableOffset: highWatermark, logStartOffset };
        continue;
      }
      let records: Buffer[] = [];
      let readBytes = 0;
      const limit = Math.min(Math.max(0, fp.partitionMaxBytes), remainingBytes);
      // The log returns at least one whole batch (KIP-74) so a batch larger
      // than the limits never stalls a consumer; once the response holds data,
      // partitions past the response limit are not read at all.
      if (fp.fetchOffset < highWatermark && (limit > 0 || bytes === 0)) {
        try {
          const read = await log.read(fp.fetchOffset, limit, highWatermark);
          if (read.release) releases.push(read.release);
          if (read.records.length > 0) records = [read.records];
          readBytes = read.records.length;
        } catch (err) {
          const { errorCode } = kafkaErrorCodeOf(err, ctx.logger, `read from ${partition.key}`);
          fail(errorCode);
          continue;
        }
      }
      bytes += readBytes;
      remainingBytes = Math.max(0, remainingBytes - readBytes);
      if (readBytes > 0) broker.metrics.bytesOut.inc({ topic: meta.name }, readBytes);
      partitions.push({
        ...base,
        errorCode: ErrorCode.NONE,
        highWatermark,
        // No transactions yet, so everything below the high watermark is stable.
        lastStableOffset: highWatermark,
        logStartOffset,
        records,
      });
    }
    responses.push(version >= 13 ? { topicId: topic.topicId ?? ZERO_UUID, partitions } : { topic: topic.topic ?? "", partitions });
  }
  return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: SESSIONLESS, responses }, bytes, hasError, keys, releases };
}

export const fetchHandler = defineHandler({
  apiKey: ApiKey.Fetch,
  name: "Fetch",
  minVersion: 4,
  maxVersion: 17,
  async handle(ctx, request, version) {
    if (version >= 7 && (request.sessionId ?? 0) !== SESSIONLESS) {
      // Sessions are never created (responses carry session id 0), so an
      // incremental fetch names a session this broker does not know.
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: SESSIONLESS, responses: [] };
    }
    const first = await readOnce(ctx, request, version);
    const maxWaitMs = Math.min(Math.max(0, request.maxWaitMs), MAX_FETCH_WAIT_MS);
    if (first.hasError || first.bytes >= request.minBytes || maxWaitMs === 0 || first.keys.length === 0 || ctx.connection.signal.aborted) {
      return answerWith(ctx, first);
    }
    discard(first);
    return longPoll(ctx, request, version, first.keys, maxWaitMs);
  },
});

/** Waits for appends to the fetched partitions until MinBytes are there, MaxWaitMs passes or the connection closes. */
function longPoll(ctx: RequestContext, request: FetchRequest, version: number, keys: string[], maxWaitMs: number): Promise<FetchResponse> {
  const purgatory = ctx.broker.partitions.purgatory;
  const signal = ctx.connection.signal;
  return new Promise<FetchResponse>((resolve, reject) => {
    let finished = false;
    let reading = false;
    let wokenWhileReading = false;
    const finish = (final: boolean) => {
      if (finished) return;
      if (reading) {
        wokenWhileReading = true;
        if (!final) return;
      }
      reading = true;
      readOnce(ctx, request, version).then(
        (pass) => {
          reading = false;
          if (finished) {
            discard(pass);
            return;
          }
          if (final || pass.hasError || pass.bytes >= request.minBytes) {
            done();
            resolve(answerWith(ctx, pass));
            return;
          }
          discard(pass);
          if (wokenWhileReading) {
            wokenWhileReading = false;
            finish(false);
          }
        },
        (err: unknown) => {
          done();
          reject(err);
        },
      );
    };
    const onTimeout = () => finish(true);
    const timer = setTimeout(onTimeout, maxWaitMs);
    const onAbort = () => finish(true);
    signal.addEventListener("abort", onAbort, { once: true });
    // A follower reads up to the log end, so it is woken as soon as the leader wrote (before its fsync).
    const isFollowerFetch = Math.max(request.replicaId ?? -1, request.replicaState?.replicaId ?? -1) >= 0;
    const cancelWatch = purgatory.watch(keys, (answerNow) => finish(answerNow), isFollowerFetch);
    const done = () => {
      finished = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      cancelWatch();
    };
  });
}
