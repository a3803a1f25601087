import { assert } from "./assert.js";
import type { NodeId } from "./types.js";

/** Timing and size bounds of one Raft node. All times are milliseconds of the injected clock. */
export interface RaftConfig {
  readonly nodeId: NodeId;
  /** The voters (controller.quorum.voters). A node not listed here is an observer. */
  readonly voters: readonly NodeId[];
  /** Base election timeout; each election waits this plus a random jitter. */
  readonly electionTimeoutMs: number;
  readonly electionJitterMs: number;
  /** A follower with no successful fetch for this long starts an election; a leader with no fetch from a majority resigns. */
  readonly fetchTimeoutMs: number;
  /** How long the leader parks a fetch that has nothing to return. */
  readonly fetchMaxWaitMs: number;
  /** A request without an answer after this long is sent again. */
  readonly requestTimeoutMs: number;
  /** Pause before retrying a fetch that got an error. */
  readonly retryBackoffMs: number;
  readonly fetchMaxBytes: number;
  readonly snapshotChunkMaxBytes: number;
  /** Upper bound of committed entries handed out in one Ready. */
  readonly applyMaxBytes: number;
  /** Test-only: grant every vote, even a second one in the same epoch. Lets tests prove the checker catches it. */
  readonly unsafeVoteTwice?: boolean;
}

export const DEFAULT_RAFT_TIMING = {
  electionTimeoutMs: 1000,
  electionJitterMs: 1000,
  fetchTimeoutMs: 2000,
  fetchMaxWaitMs: 500,
  requestTimeoutMs: 2000,
  retryBackoffMs: 100,
  fetchMaxBytes: 1 << 20,
  snapshotChunkMaxBytes: 1 << 20,
  applyMaxBytes: 4 << 20,
} as const;

export function validateRaftConfig(config: RaftConfig): void {
  assert(Number.isSafeInteger(config.nodeId) && config.nodeId >= 0, `invalid node id ${config.nodeId}`);
  assert(config.voters.length > 0, "a quorum needs at least one voter");
  assert(new Set(config.voters).size === config.voters.length, "duplicate voter ids");
  assert(config.fetchMaxWaitMs < config.requestTimeoutMs, "fetchMaxWaitMs must be below requestTimeoutMs");
  assert(config.fetchMaxWaitMs < config.fetchTimeoutMs, "fetchMaxWaitMs must be below fetchTimeoutMs");
  for (const key of ["electionTimeoutMs", "fetchTimeoutMs", "requestTimeoutMs", "fetchMaxBytes", "snapshotChunkMaxBytes", "applyMaxBytes"] as const) {
    assert(config[key] > 0, `${key} must be positive`);
  }
}
