/** What the broker knows about one topic. */
export interface TopicMetadata {
  readonly name: string;
  /** Kafka uuid string form (22 chars base64url). */
  readonly topicId: string;
  readonly partitionCount: number;
  /** Topic-level config overrides by Kafka name (only explicitly set ones). */
  readonly configs: Readonly<Record<string, string>>;
  /** Leader epoch per partition; single node: 0 unless bumped. */
  readonly leaderEpochs: readonly number[];
}

/**
 * The broker's view of topic metadata. A local file-backed implementation
 * serves single-node mode; the Raft metadata quorum will provide another.
 * Mutations resolve once durable.
 */
export interface MetadataStore {
  readonly clusterId: string;
  topics(): Iterable<TopicMetadata>;
  topic(name: string): TopicMetadata | undefined;
  topicById(topicId: string): TopicMetadata | undefined;
  createTopic(spec: { name: string; partitionCount: number; configs: Record<string, string> }): Promise<TopicMetadata>;
  deleteTopic(name: string): Promise<TopicMetadata>;
  setPartitionCount(name: string, partitionCount: number): Promise<TopicMetadata>;
  setTopicConfigs(name: string, configs: Record<string, string>): Promise<TopicMetadata>;
  close(): Promise<void>;
}

/** Topic already exists (TOPIC_ALREADY_EXISTS). */
export class TopicExistsError extends Error {
  readonly code = "TOPIC_ALREADY_EXISTS";
  readonly errorCode = 36;
  override name = "TopicExistsError";
}

/** No such topic (UNKNOWN_TOPIC_OR_PARTITION). */
export class UnknownTopicError extends Error {
  readonly code = "UNKNOWN_TOPIC_OR_PARTITION";
  readonly errorCode = 3;
  override name = "UnknownTopicError";
}
