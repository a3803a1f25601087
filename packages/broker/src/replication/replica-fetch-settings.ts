import type { ReplicaFetcherConfig } from "@samsa/replication";
import type { BrokerConfig } from "../config/broker-config.js";
import { ConfigError } from "../config/config-error.js";

/** Room above the requested response size: the first batch of a partition is sent whole even when it is larger (KIP-74). */
const FETCH_RESPONSE_HEADROOM_BYTES = 1024 * 1024;

export interface ReplicaFetchSettings {
  /** num.replica.fetchers */
  readonly numReplicaFetchers: number;
  readonly fetcher: ReplicaFetcherConfig;
  /** Larger fetch responses close the follower's connection (checked before they are buffered). */
  readonly maxResponseBytes: number;
}

/**
 * The follower fetchers' settings from the broker config (Kafka's names and
 * defaults), with Kafka's cross-property rules (`validateReplicaFetchConfigs`):
 * the leader's long poll must end before the follower gives up on the request,
 * and before the follower would count as out of sync.
 */
export function replicaFetchSettings(config: BrokerConfig): ReplicaFetchSettings {
  const int = (key: string) => config.values.get(key) as number;
  const waitMaxMs = int("replica.fetch.wait.max.ms");
  const socketTimeoutMs = int("replica.socket.timeout.ms");
  const lagTimeMaxMs = int("replica.lag.time.max.ms");
  if (waitMaxMs > socketTimeoutMs) {
    throw new ConfigError("replica.socket.timeout.ms", `should always be at least replica.fetch.wait.max.ms (${waitMaxMs}) to prevent unnecessary socket timeouts, got ${socketTimeoutMs}`);
  }
  if (waitMaxMs > lagTimeMaxMs) {
    throw new ConfigError("replica.fetch.wait.max.ms", `should always be less than or equal to replica.lag.time.max.ms (${lagTimeMaxMs}) to prevent frequent changes in ISR, got ${waitMaxMs}`);
  }
  const fetcher: ReplicaFetcherConfig = {
    maxWaitMs: waitMaxMs,
    minBytes: int("replica.fetch.min.bytes"),
    maxBytes: int("replica.fetch.response.max.bytes"),
    partitionMaxBytes: int("replica.fetch.max.bytes"),
    backoffMs: int("replica.fetch.backoff.ms"),
    requestTimeoutMs: socketTimeoutMs,
  };
  const largestBatchBytes = Math.max(FETCH_RESPONSE_HEADROOM_BYTES, int("message.max.bytes"));
  return {
    numReplicaFetchers: int("num.replica.fetchers"),
    fetcher,
    maxResponseBytes: Math.max(fetcher.maxBytes, fetcher.partitionMaxBytes) + largestBatchBytes,
  };
}
