export { Connection, type ConnectionOptions, type RawRequest } from "./connection.js";
export { BrokerConnection, type CallOptions } from "./broker-connection.js";
export { clientApi, type ApiSpec, type VersionRange } from "./api-spec.js";
export * from "./apis.js";
export { KafkaClient, parseHostPort, type KafkaClientOptions } from "./kafka-client.js";
export type { BrokerInfo, ClusterMetadata, PartitionInfo, TopicInfo } from "./cluster-metadata.js";
export {
  Admin,
  ConfigResourceType,
  type AdminOptions,
  type AlterConfigOp,
  type ClusterDescription,
  type ConfigEntry,
  type ConfigResource,
  type ConfigResourceKind,
  type CreatedTopic,
  type NewTopic,
  type OffsetSpec,
  type PartitionOffset,
  type ResourceConfigs,
  type TopicDescription,
} from "./admin.js";
export * from "./errors.js";
export { murmur2, toPositive } from "./murmur2.js";
export { DefaultPartitioner, partitionForKey, type Partitioner } from "./partitioner.js";
export { FrameDecoder } from "./framing.js";
export { Producer, COMPRESSION_CODES, type Acks, type CompressionName, type PartitionProduceResult, type ProducerOptions } from "./producer.js";
export { Consumer, type ConsumerOptions, type FetchedBatches, type PartitionAssignment } from "./consumer.js";
export { recordSizes, type RecordSizes } from "./record-sizes.js";
export { encodeBatch, decodeRecords, restampBatch, type EncodeBatchOptions } from "./batch-codec.js";
export type { ConsumedRecord, OutgoingRecord, ProducerRecord, RecordMetadata } from "./records.js";
