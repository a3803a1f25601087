export { ConfigError } from "./config/config-error.js";
export { loadBrokerConfig, envNameOf, type BrokerConfig, type LoadBrokerConfigOptions, type ConfigSource } from "./config/broker-config.js";
export { BROKER_CONFIG_DEFS, type BrokerConfigDef } from "./config/broker-config-defs.js";
export { TOPIC_CONFIG_DEFS, type TopicConfigDef } from "./config/topic-config-defs.js";
export type { ListenerAddress } from "./config/listeners.js";
export {
  ConfigSourceCode,
  InvalidTopicConfigError,
  resolveTopicConfigs,
  validateTopicConfigs,
  type ResolvedConfig,
} from "./config/topic-configs.js";
export { createLogger, silentLogger, type Logger } from "./logger.js";
export { BrokerMetrics, startMetricsServer } from "./metrics.js";
export { FrameReader, BadFrameError, MIN_REQUEST_FRAME_BYTES } from "./network/frame-reader.js";
export { KafkaServer, type KafkaServerOptions } from "./network/server.js";
export { Connection, CloseConnectionError, type ConnectionInfo, type ReleasableResponse, type RequestDispatcher, type ResponseParts } from "./network/connection.js";
export { startBroker, SHUTDOWN_DRAIN_TIMEOUT_MS, type BrokerHandle, type StartBrokerOptions } from "./broker.js";
export type { BrokerContext, AdvertisedEndpoint } from "./broker-context.js";
export { HandlerRegistry } from "./handlers/registry.js";
export { ALL_HANDLERS } from "./handlers/all-handlers.js";
export type { ApiHandler, RequestContext } from "./handlers/handler.js";
export { LEGACY_METADATA_FILE_NAME, LegacyMetadataError } from "./metadata/legacy-metadata.js";
export type { MetadataStore, TopicMetadata, PartitionMetadata, BrokerMetadata } from "./metadata/metadata-store.js";
export { TopicManager, TopicOperationError } from "./metadata/topic-manager.js";
export { PartitionManager, Partition, NotLeaderOrFollowerError, SINGLE_REPLICA_ROLES, type ReplicaRoleHandler, type PartitionAssignment } from "./partitions/partition-manager.js";
export { renderBrokerConfigTable, renderTopicConfigTable } from "./config/config-docs.js";
