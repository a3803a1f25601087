import { ErrorCode, type FetchRequestFetchPartition, type FetchResponsePartitionData } from "@samsa/protocol";
import type { NodeId, ReplicaLog } from "../types.js";
import type { ReplicaManager } from "../replica-manager.js";

/** The leader's log with the read a follower fetch needs (PartitionLog fits). */
export interface ReadableReplicaLog extends ReplicaLog {
  read(fetchOffset: number, maxBytes: number, upperBoundOffset?: number): Promise<{ records: Buffer; release?: () => void }>;
}

/**
 * Serves one partition of a follower's Fetch on the leader: the epoch and
 * divergence checks, the follower's progress (which may advance the HW and
 * complete acks=all produces), then a read up to the log end (followers read
 * past the HW). The records are the log's bytes, untouched.
 * `maxBytes` is what is left of the request's response budget. When the
 * read borrowed a pooled buffer its release goes to `releases`, for the
 * caller to run once the response has been written.
 */
export async function readForFollower(
  manager: ReplicaManager,
  log: ReadableReplicaLog,
  topic: string,
  replicaId: NodeId,
  fp: FetchRequestFetchPartition,
  maxBytes: number,
  releases?: Array<() => void>,
): Promise<FetchResponsePartitionData> {
  const base = { partitionIndex: fp.partition, abortedTransactions: null, preferredReadReplica: -1 };
  const check = manager.checkFollowerFetch(topic, fp.partition, replicaId, {
    fetchOffset: fp.fetchOffset,
    currentLeaderEpoch: fp.currentLeaderEpoch ?? -1,
    lastFetchedEpoch: fp.lastFetchedEpoch ?? -1,
  });
  const hwAndStart = () => ({ highWatermark: log.highWatermark, lastStableOffset: log.highWatermark, logStartOffset: log.logStartOffset });
  if (check.kind === "error") {
    const known = check.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE;
    return { ...base, errorCode: check.errorCode, ...(known ? hwAndStart() : { highWatermark: -1, lastStableOffset: -1, logStartOffset: -1 }), records: [] };
  }
  if (check.kind === "diverging") {
    return { ...base, errorCode: ErrorCode.NONE, ...hwAndStart(), divergingEpoch: { epoch: check.epoch, endOffset: check.endOffset }, records: [] };
  }
  const leaderLogEndOffset = log.logEndOffset;
  // The fetch offset is what the follower has, whatever this read returns:
  // recorded first, the HW (and the acks=all answers waiting on it) moves
  // without waiting for a pread queued behind fsyncs in the thread pool.
  manager.recordFollowerFetch(topic, fp.partition, replicaId, fp.fetchOffset, leaderLogEndOffset, fp.logStartOffset ?? -1);
  const limit = Math.max(0, Math.min(fp.partitionMaxBytes, maxBytes));
  const read = fp.fetchOffset < leaderLogEndOffset ? await log.read(fp.fetchOffset, limit, leaderLogEndOffset) : NOTHING_READ;
  if (read.release && releases) releases.push(read.release);
  return { ...base, errorCode: ErrorCode.NONE, ...hwAndStart(), records: read.records.length > 0 ? [read.records] : [] };
}

const NOTHING_READ: { records: Buffer; release?: () => void } = { records: Buffer.alloc(0) };
