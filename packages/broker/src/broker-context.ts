import type { Logger } from "pino";
import type { BrokerConfig } from "./config/broker-config.js";
import type { GroupCoordinator } from "./groups/group-coordinator.js";
import type { HandlerRegistry } from "./handlers/registry.js";
import type { MetadataStore } from "./metadata/metadata-store.js";
import type { TopicManager } from "./metadata/topic-manager.js";
import type { BrokerMetrics } from "./metrics.js";
import type { PartitionManager } from "./partitions/partition-manager.js";

export interface AdvertisedEndpoint {
  listenerName: string;
  host: string;
  port: number;
}

/** The broker's shared state, handed to every request handler. */
export interface BrokerContext {
  readonly config: BrokerConfig;
  readonly nodeId: number;
  readonly clusterId: string;
  readonly metadata: MetadataStore;
  readonly topics: TopicManager;
  readonly partitions: PartitionManager;
  readonly metrics: BrokerMetrics;
  readonly logger: Logger;
  readonly registry: HandlerRegistry;
  /** The consumer group coordinator (single node: of every group). */
  readonly groups: GroupCoordinator;
  /** This broker's address for clients of `listenerName` (falls back to the first listener). */
  advertisedEndpoint(listenerName: string): AdvertisedEndpoint;
}
