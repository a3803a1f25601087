export * from "./types.js";
export * from "./errors.js";
export * from "./scheduler.js";
export { FollowerProgress } from "./leader/follower-progress.js";
export { maximalIsr, type IsrState, type IsrProposal } from "./leader/isr-state.js";
export { LeaderPartitionState, type LeaderPartitionStateOptions } from "./leader/leader-partition-state.js";
export { DelayedProducePurgatory, DEFAULT_MAX_DELAYED_PRODUCES } from "./leader/delayed-produce.js";
export { DelayedDeleteRecordsPurgatory, DEFAULT_MAX_DELAYED_DELETE_RECORDS } from "./leader/delayed-delete-records.js";
export { checkFetchPartition, type FetchPartitionCheck, type FetchPartitionRequest, type LeaderLogView } from "./leader/fetch-validation.js";
export { decideTruncation, type TruncationDecision } from "./follower/truncation.js";
export { FollowerPartitionState } from "./follower/follower-partition-state.js";
export { fetcherIdFor, javaStringHashCode } from "./follower/fetcher-id.js";
export { REPLICA_FETCH_VERSION, type FetchTransport, type FetchTransportFactory } from "./follower/fetch-transport.js";
export { TcpFetchTransport, FetchTransportError, type TcpFetchTransportOptions } from "./follower/tcp-fetch-transport.js";
export { ReplicaFetcher, DEFAULT_REPLICA_FETCHER_CONFIG, type ReplicaFetcherConfig, type ReplicaFetcherOptions } from "./follower/replica-fetcher.js";
export {
  ReplicaManager,
  DEFAULT_REPLICA_MANAGER_CONFIG,
  type ReplicaManagerConfig,
  type ReplicaManagerOptions,
  type ReplicationStats,
} from "./replica-manager.js";
export { readForFollower, type ReadableReplicaLog } from "./leader/follower-fetch-reader.js";
