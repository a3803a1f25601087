import { LONG_MAX, atLeast, between, oneOf, oneOfIgnoringCase, type ConfigType, type ConfigValue, type Validator } from "./config-types.js";

/**
 * Topic-level configs with Kafka's names. `brokerKey` is the broker property
 * that supplies the default (source DEFAULT_CONFIG when unset there,
 * STATIC_BROKER_CONFIG when set); `default` is used when there is none.
 */
export interface TopicConfigDef {
  name: string;
  type: ConfigType;
  brokerKey?: string;
  default: ConfigValue;
  validator?: Validator;
  doc: string;
}

export const TOPIC_CONFIG_DEFS: readonly TopicConfigDef[] = [
  { name: "cleanup.policy", type: "list", brokerKey: "log.cleanup.policy", default: ["delete"], validator: oneOf("delete", "compact"), doc: "delete, compact or both." },
  { name: "compression.type", type: "string", brokerKey: "compression.type", default: "producer", validator: oneOfIgnoringCase("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"), doc: "Compression of stored batches; producer keeps the producer's." },
  { name: "delete.retention.ms", type: "long", brokerKey: "log.cleaner.delete.retention.ms", default: 86400000, validator: atLeast(0), doc: "Tombstone retention in compacted topics." },
  { name: "file.delete.delay.ms", type: "long", brokerKey: "log.segment.delete.delay.ms", default: 60000, validator: atLeast(0), doc: "Delay before deleting a segment file." },
  { name: "flush.messages", type: "long", brokerKey: "log.flush.interval.messages", default: 1, validator: atLeast(1), doc: "Messages between forced flushes." },
  { name: "flush.ms", type: "long", brokerKey: "log.flush.interval.ms", default: LONG_MAX, validator: atLeast(0), doc: "Time between forced flushes." },
  { name: "index.interval.bytes", type: "int", brokerKey: "log.index.interval.bytes", default: 4096, validator: atLeast(0), doc: "Bytes between offset index entries." },
  { name: "max.compaction.lag.ms", type: "long", brokerKey: "log.cleaner.max.compaction.lag.ms", default: LONG_MAX, validator: atLeast(1), doc: "Maximum time a record stays uncompacted." },
  { name: "max.message.bytes", type: "int", brokerKey: "message.max.bytes", default: 1048588, validator: atLeast(0), doc: "Largest record batch." },
  { name: "message.timestamp.type", type: "string", brokerKey: "log.message.timestamp.type", default: "CreateTime", validator: oneOf("CreateTime", "LogAppendTime"), doc: "CreateTime or LogAppendTime." },
  { name: "message.timestamp.before.max.ms", type: "long", brokerKey: "log.message.timestamp.before.max.ms", default: LONG_MAX, validator: atLeast(0), doc: "Largest allowed age of a record timestamp." },
  { name: "message.timestamp.after.max.ms", type: "long", brokerKey: "log.message.timestamp.after.max.ms", default: LONG_MAX, validator: atLeast(0), doc: "Largest allowed future skew of a record timestamp." },
  { name: "min.cleanable.dirty.ratio", type: "double", brokerKey: "log.cleaner.min.cleanable.ratio", default: 0.5, validator: between(0, 1), doc: "Dirty ratio that triggers compaction." },
  { name: "min.compaction.lag.ms", type: "long", brokerKey: "log.cleaner.min.compaction.lag.ms", default: 0, validator: atLeast(0), doc: "Minimum age before compaction." },
  { name: "min.insync.replicas", type: "int", brokerKey: "min.insync.replicas", default: 1, validator: atLeast(1), doc: "Replicas that must acknowledge acks=all writes." },
  { name: "preallocate", type: "boolean", brokerKey: "log.preallocate", default: false, doc: "Preallocate segment files." },
  { name: "retention.bytes", type: "long", brokerKey: "log.retention.bytes", default: -1, validator: atLeast(-1), doc: "Retained bytes per partition (-1: unlimited)." },
  { name: "retention.ms", type: "long", brokerKey: "log.retention.ms", default: 604800000, validator: atLeast(-1), doc: "Retention time (-1: unlimited)." },
  { name: "segment.bytes", type: "int", brokerKey: "log.segment.bytes", default: 1073741824, validator: atLeast(14), doc: "Segment size before rolling." },
  { name: "segment.index.bytes", type: "int", brokerKey: "log.index.size.max.bytes", default: 10485760, validator: atLeast(4), doc: "Largest offset index file." },
  { name: "segment.jitter.ms", type: "long", brokerKey: "log.roll.jitter.ms", default: 0, validator: atLeast(0), doc: "Random jitter subtracted from segment.ms." },
  { name: "segment.ms", type: "long", brokerKey: "log.roll.ms", default: 604800000, validator: atLeast(1), doc: "Segment age before rolling." },
  { name: "unclean.leader.election.enable", type: "boolean", brokerKey: "unclean.leader.election.enable", default: false, doc: "Allow out-of-sync replicas to become leader." },
  { name: "local.retention.ms", type: "long", default: -2, validator: atLeast(-2), doc: "Tiered storage local retention (not supported; accepted)." },
  { name: "local.retention.bytes", type: "long", default: -2, validator: atLeast(-2), doc: "Tiered storage local retention (not supported; accepted)." },
  { name: "remote.storage.enable", type: "boolean", default: false, doc: "Tiered storage (not supported; must stay false)." },
  { name: "leader.replication.throttled.replicas", type: "list", default: [], doc: "Replication throttling (accepted)." },
  { name: "follower.replication.throttled.replicas", type: "list", default: [], doc: "Replication throttling (accepted)." },
];

export const TOPIC_CONFIG_DEFS_BY_NAME: ReadonlyMap<string, TopicConfigDef> = new Map(TOPIC_CONFIG_DEFS.map((d) => [d.name, d]));
