import type { MetadataNode } from "@samsa/raft-controller";
import type { Logger } from "pino";
import type { BrokerConfig } from "./config/broker-config.js";
import type { GroupCoordinator } from "./groups/group-coordinator.js";
import type { HandlerRegistry } from "./handlers/registry.js";
import type { MetadataStore } from "./metadata/metadata-store.js";
import type { TopicManager } from "./metadata/topic-manager.js";
import type { BrokerMetrics } from "./metrics.js";
import type { PartitionManager } from "./partitions/partition-manager.js";
import type { ProducerIdManager } from "./producer-ids/producer-id-manager.js";
import type { BrokerReplication } from "./replication/broker-replication.js";

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
  /** Hands out idempotent producer ids (InitProducerId). */
  readonly producerIds: ProducerIdManager;
  /** This process's metadata quorum node (null while it starts): Raft status, controller client. */
  quorum(): MetadataNode | null;
  /** This broker's address for clients of `listenerName` (falls back to the first listener). */
  advertisedEndpoint(listenerName: string): AdvertisedEndpoint;
  /** Follower fetches, acks=all waits and ISR checks; absent when the broker runs without replication. */
  readonly replication?: BrokerReplication;
}
