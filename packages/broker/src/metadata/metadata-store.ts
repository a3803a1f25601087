/** One partition as the committed cluster metadata has it. */
export interface PartitionMetadata {
  readonly partition: number;
  /** -1 while the partition has no leader. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

/** What the broker knows about one topic. */
export interface TopicMetadata {
  readonly name: string;
  /** Kafka uuid string form (22 chars base64url). */
  readonly topicId: string;
  readonly partitionCount: number;
  /** Topic-level config overrides by Kafka name (only explicitly set ones). */
  readonly configs: Readonly<Record<string, string>>;
  /** Leader epoch per partition (index = partition id). */
  readonly leaderEpochs: readonly number[];
  /** Partition states, index = partition id. */
  readonly partitions: readonly PartitionMetadata[];
}

/** A registered broker and the listeners it advertises. */
export interface BrokerMetadata {
  readonly id: number;
  readonly rack: string | null;
  readonly fenced: boolean;
  readonly endpoints: readonly { readonly name: string; readonly host: string; readonly port: number }[];
}

/**
 * The broker's read-only view of the committed cluster metadata (the metadata
 * log's image as applied on this node). Changes go through the active controller
 * (see TopicManager); they show up here once committed and applied.
 */
export interface MetadataStore {
  readonly clusterId: string;
  topics(): Iterable<TopicMetadata>;
  topic(name: string): TopicMetadata | undefined;
  topicById(topicId: string): TopicMetadata | undefined;
  /** Registered brokers, by id order. */
  brokers(): readonly BrokerMetadata[];
  /** The active controller as this node knows it, or -1. */
  controllerId(): number;
}
