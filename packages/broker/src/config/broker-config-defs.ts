import {
  LONG_MAX,
  atLeast,
  between,
  nonEmptyList,
  oneOf,
  oneOfIgnoringCase,
  type ConfigType,
  type ConfigValue,
  type Validator,
} from "./config-types.js";

/**
 * One row per broker property. This table drives parsing, validation,
 * DescribeConfigs for the broker resource and the README table.
 * `effect: "none"` marks keys accepted so that stock Kafka server.properties
 * files start unchanged, but which Samsa does not act on.
 */
export interface BrokerConfigDef {
  name: string;
  type: ConfigType;
  default: ConfigValue;
  validator?: Validator;
  doc: string;
  effect?: "none";
  /** Changeable at runtime by AlterConfigs on the broker resource (Kafka's "cluster-wide" dynamic configs). */
  dynamic?: boolean;
}

const SEGMENT_MIN_BYTES = 14;

export const BROKER_CONFIG_DEFS: readonly BrokerConfigDef[] = [
  // identity and roles
  { name: "node.id", type: "int", default: 1, validator: atLeast(0), doc: "Id of this node in the cluster." },
  { name: "broker.id", type: "int", default: -1, validator: atLeast(-1), doc: "Legacy alias of node.id; used when node.id is not set explicitly." },
  { name: "process.roles", type: "list", default: ["broker", "controller"], validator: oneOf("broker", "controller"), doc: "Roles this process plays." },
  { name: "cluster.id", type: "string", default: null, doc: "Cluster id reported to clients; generated and persisted in the first log dir when unset." },
  // network
  { name: "listeners", type: "list", default: ["PLAINTEXT://localhost:9092"], validator: nonEmptyList, doc: "Listeners to bind, as NAME://host:port (empty host binds all interfaces, port 0 picks a free port)." },
  { name: "advertised.listeners", type: "list", default: null, doc: "Addresses given to clients; defaults to the broker listeners." },
  { name: "listener.security.protocol.map", type: "list", default: ["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT", "SSL:SSL", "SASL_PLAINTEXT:SASL_PLAINTEXT", "SASL_SSL:SASL_SSL"], doc: "Listener name to security protocol; only PLAINTEXT is supported." },
  { name: "inter.broker.listener.name", type: "string", default: null, doc: "Listener used between brokers." },
  { name: "controller.listener.names", type: "list", default: ["CONTROLLER"], doc: "Listener names used by the controller quorum; the Kafka API is not served on them." },
  { name: "controller.quorum.voters", type: "list", default: [], doc: "Controller quorum voters as id@host:port." },
  { name: "controller.quorum.bootstrap.servers", type: "list", default: [], doc: "Controller quorum bootstrap servers.", effect: "none" },
  { name: "controller.quorum.election.timeout.ms", type: "int", default: 1000, validator: atLeast(1), doc: "Base election timeout of controller voters (a random jitter of up to the same amount is added). A one-voter quorum campaigns after 50 ms." },
  { name: "controller.quorum.fetch.timeout.ms", type: "int", default: 2000, validator: atLeast(1), doc: "A voter that has not heard from the quorum leader for this long starts an election; a leader not fetched from by a majority for this long resigns." },
  { name: "broker.session.timeout.ms", type: "int", default: 9000, validator: atLeast(1), doc: "A broker without a heartbeat to the active controller for this long is fenced; the partitions it led get new leaders from their ISR." },
  { name: "broker.heartbeat.interval.ms", type: "int", default: 2000, validator: atLeast(1), doc: "How often a broker heartbeats to the active controller." },
  { name: "broker.rack", type: "string", default: null, doc: "Rack of this broker; replica placement alternates racks." },
  { name: "socket.request.max.bytes", type: "int", default: 104857600, validator: atLeast(1), doc: "Largest request frame accepted; checked before any allocation." },
  { name: "max.in.flight.requests.per.connection", type: "int", default: 100, validator: atLeast(1), doc: "Requests read from one connection before its responses are sent; further reading pauses." },
  { name: "connections.max.idle.ms", type: "long", default: 600000, validator: atLeast(-1), doc: "Idle connections are closed after this long (-1: never)." },
  { name: "socket.send.buffer.bytes", type: "int", default: 102400, doc: "Accepted for compatibility.", effect: "none" },
  { name: "socket.receive.buffer.bytes", type: "int", default: 102400, doc: "Accepted for compatibility.", effect: "none" },
  { name: "socket.listen.backlog.size", type: "int", default: 50, validator: atLeast(1), doc: "TCP listen backlog." },
  { name: "num.network.threads", type: "int", default: 3, validator: atLeast(1), doc: "Accepted for compatibility (Node is single-threaded).", effect: "none" },
  { name: "num.io.threads", type: "int", default: 8, validator: atLeast(1), doc: "Accepted for compatibility.", effect: "none" },
  { name: "num.recovery.threads.per.data.dir", type: "int", default: 2, validator: atLeast(1), doc: "Accepted for compatibility.", effect: "none" },
  // logs
  { name: "log.dirs", type: "list", default: ["./data"], validator: nonEmptyList, doc: "Directories holding partition logs; the first also holds broker metadata." },
  { name: "log.dir", type: "string", default: null, doc: "Single log directory, used when log.dirs is not set." },
  { name: "num.partitions", type: "int", default: 1, validator: atLeast(1), doc: "Partitions of auto-created topics and of CreateTopics requests that give -1.", dynamic: false },
  { name: "default.replication.factor", type: "int", default: 1, validator: atLeast(1), doc: "Replication factor of auto-created topics." },
  { name: "min.insync.replicas", type: "int", default: 1, validator: atLeast(1), doc: "Default min.insync.replicas of topics.", dynamic: true },
  { name: "auto.create.topics.enable", type: "boolean", default: true, doc: "Create unknown topics on Metadata requests that allow it." },
  { name: "delete.topic.enable", type: "boolean", default: true, doc: "Allow DeleteTopics." },
  { name: "log.retention.hours", type: "int", default: 168, doc: "Retention time in hours, used when neither log.retention.ms nor log.retention.minutes is set." },
  { name: "log.retention.minutes", type: "int", default: null, doc: "Retention time in minutes, used when log.retention.ms is not set." },
  { name: "log.retention.ms", type: "long", default: null, validator: atLeast(-1), doc: "Retention time in ms (-1: unlimited).", dynamic: true },
  { name: "log.retention.bytes", type: "long", default: -1, validator: atLeast(-1), doc: "Retained bytes per partition (-1: unlimited).", dynamic: true },
  { name: "log.retention.check.interval.ms", type: "long", default: 300000, validator: atLeast(1), doc: "How often retention is enforced." },
  { name: "log.segment.bytes", type: "int", default: 1073741824, validator: atLeast(SEGMENT_MIN_BYTES), doc: "Segment size before rolling.", dynamic: true },
  { name: "log.roll.hours", type: "int", default: 168, validator: atLeast(1), doc: "Segment age before rolling, used when log.roll.ms is not set." },
  { name: "log.roll.ms", type: "long", default: null, validator: atLeast(1), doc: "Segment age in ms before rolling.", dynamic: true },
  { name: "log.roll.jitter.ms", type: "long", default: 0, validator: atLeast(0), doc: "Random jitter subtracted from the roll time.", dynamic: true },
  { name: "log.index.size.max.bytes", type: "int", default: 10485760, validator: atLeast(4), doc: "Largest offset index file.", dynamic: true },
  { name: "log.index.interval.bytes", type: "int", default: 4096, validator: atLeast(0), doc: "Bytes between offset index entries.", dynamic: true },
  { name: "log.cleanup.policy", type: "list", default: ["delete"], validator: oneOf("delete", "compact"), doc: "Default cleanup policy of topics.", dynamic: true },
  { name: "log.cleaner.enable", type: "boolean", default: true, doc: "Run the log cleaner for compacted topics." },
  { name: "log.cleaner.backoff.ms", type: "long", default: 15000, validator: atLeast(0), doc: "How often compacted logs are checked for cleaning." },
  { name: "log.cleaner.delete.retention.ms", type: "long", default: 86400000, validator: atLeast(0), doc: "How long tombstones are kept in compacted topics.", dynamic: true },
  { name: "log.cleaner.min.compaction.lag.ms", type: "long", default: 0, validator: atLeast(0), doc: "Minimum age of a record before compaction.", dynamic: true },
  { name: "log.cleaner.max.compaction.lag.ms", type: "long", default: LONG_MAX, validator: atLeast(1), doc: "Maximum age of an uncompacted record.", dynamic: true },
  { name: "log.cleaner.min.cleanable.ratio", type: "double", default: 0.5, validator: between(0, 1), doc: "Dirty ratio that triggers compaction.", dynamic: true },
  { name: "log.segment.delete.delay.ms", type: "long", default: 60000, validator: atLeast(0), doc: "Delay before deleted segments are removed from disk.", dynamic: true },
  { name: "log.flush.interval.messages", type: "long", default: 1, validator: atLeast(1), doc: "Messages between fsyncs. Samsa's default 1 acknowledges writes only once fsynced (group commit shares one fsync among concurrent appends); Kafka's default is 9223372036854775807.", dynamic: true },
  { name: "log.flush.interval.ms", type: "long", default: null, doc: "Time between forced flushes.", dynamic: true },
  { name: "log.flush.scheduler.interval.ms", type: "long", default: LONG_MAX, doc: "Accepted for compatibility.", effect: "none" },
  { name: "log.preallocate", type: "boolean", default: false, doc: "Preallocate segment files.", dynamic: true },
  { name: "log.message.timestamp.type", type: "string", default: "CreateTime", validator: oneOf("CreateTime", "LogAppendTime"), doc: "Default message.timestamp.type of topics.", dynamic: true },
  { name: "log.message.timestamp.before.max.ms", type: "long", default: LONG_MAX, validator: atLeast(0), doc: "Default message.timestamp.before.max.ms.", dynamic: true },
  { name: "log.message.timestamp.after.max.ms", type: "long", default: LONG_MAX, validator: atLeast(0), doc: "Default message.timestamp.after.max.ms.", dynamic: true },
  { name: "compression.type", type: "string", default: "producer", validator: oneOfIgnoringCase("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"), doc: "Default compression.type of topics.", dynamic: true },
  { name: "message.max.bytes", type: "int", default: 1048588, validator: atLeast(0), doc: "Largest record batch accepted (default max.message.bytes of topics).", dynamic: true },
  { name: "unclean.leader.election.enable", type: "boolean", default: false, doc: "Default unclean.leader.election.enable.", dynamic: true },
  // internal topics and groups (accepted now; used by the group coordinator)
  { name: "offsets.topic.num.partitions", type: "int", default: 50, validator: atLeast(1), doc: "Partitions of __consumer_offsets." },
  { name: "offsets.topic.replication.factor", type: "int", default: 3, validator: atLeast(1), doc: "Replication factor of __consumer_offsets (capped by the live broker count)." },
  { name: "offsets.retention.minutes", type: "int", default: 10080, validator: atLeast(1), doc: "Retention of committed offsets." },
  { name: "offsets.commit.timeout.ms", type: "int", default: 5000, validator: atLeast(1), doc: "How long an offset commit waits for the __consumer_offsets ISR (acks=all) before it fails with COORDINATOR_NOT_AVAILABLE." },
  { name: "transaction.state.log.replication.factor", type: "int", default: 3, validator: atLeast(1), doc: "Accepted for compatibility.", effect: "none" },
  { name: "transaction.state.log.min.isr", type: "int", default: 2, validator: atLeast(1), doc: "Accepted for compatibility.", effect: "none" },
  // idempotent producers
  { name: "producer.id.expiration.ms", type: "int", default: 86400000, validator: atLeast(1), doc: "A partition forgets an idempotent producer whose last batch is older than this (by the batch's max timestamp); its next batch may then start at any sequence." },
  { name: "producer.id.expiration.check.interval.ms", type: "int", default: 600000, validator: atLeast(1), doc: "How often idle producers are expired." },
  { name: "transactional.id.expiration.ms", type: "int", default: 604800000, validator: atLeast(1), doc: "Accepted for compatibility (no transactions).", effect: "none" },
  { name: "share.coordinator.state.topic.replication.factor", type: "int", default: 3, validator: atLeast(1), doc: "Accepted for compatibility.", effect: "none" },
  { name: "share.coordinator.state.topic.min.isr", type: "int", default: 2, validator: atLeast(1), doc: "Accepted for compatibility.", effect: "none" },
  { name: "group.min.session.timeout.ms", type: "int", default: 6000, validator: atLeast(0), doc: "Smallest session timeout a consumer may ask for." },
  { name: "group.max.session.timeout.ms", type: "int", default: 1800000, validator: atLeast(0), doc: "Largest session timeout a consumer may ask for." },
  { name: "auto.leader.rebalance.enable", type: "boolean", default: true, doc: "The active controller moves leadership back to each partition's preferred replica (the first in its list) when that replica is in the ISR and unfenced." },
  { name: "leader.imbalance.check.interval.seconds", type: "long", default: 300, validator: atLeast(1), doc: "How often the active controller checks for partitions not led by their preferred replica (with auto.leader.rebalance.enable)." },
  { name: "num.replica.fetchers", type: "int", default: 1, validator: atLeast(1), doc: "Fetchers (one connection each) per source broker; followed partitions are spread over them by hash, as Kafka does." },
  { name: "replica.lag.time.max.ms", type: "long", default: 30000, validator: atLeast(1), doc: "A follower not caught up for this long leaves the ISR (used by replication)." },
  { name: "replica.fetch.max.bytes", type: "int", default: 1048576, validator: atLeast(0), doc: "Bytes a follower asks for per partition in one fetch (the first batch is returned whole even when larger)." },
  { name: "replica.fetch.response.max.bytes", type: "int", default: 10485760, validator: atLeast(0), doc: "Bytes a follower asks for in one whole fetch response (the first batch is returned whole even when larger)." },
  { name: "replica.fetch.wait.max.ms", type: "int", default: 500, validator: atLeast(0), doc: "Longest time the leader holds a follower fetch waiting for replica.fetch.min.bytes; at most replica.lag.time.max.ms and replica.socket.timeout.ms." },
  { name: "replica.fetch.min.bytes", type: "int", default: 1, validator: atLeast(0), doc: "Bytes the leader waits for (up to replica.fetch.wait.max.ms) before answering a follower fetch." },
  { name: "replica.fetch.backoff.ms", type: "int", default: 1000, validator: atLeast(0), doc: "Pause of a follower fetcher (or one partition of it) after a fetch error." },
  { name: "replica.socket.timeout.ms", type: "int", default: 30000, validator: atLeast(1), doc: "A follower fetch without an answer for replica.fetch.wait.max.ms plus this long is abandoned and its connection reopened." },
  { name: "group.initial.rebalance.delay.ms", type: "int", default: 3000, validator: atLeast(0), doc: "Delay before the first rebalance of a new group." },
  // observability
  { name: "metrics.port", type: "int", default: -1, validator: between(-1, 65535), doc: "Port of the Prometheus HTTP endpoint (/metrics); -1 disables it, 0 picks a free port." },
  { name: "metrics.host", type: "string", default: "0.0.0.0", doc: "Interface of the Prometheus HTTP endpoint." },
  { name: "log.level", type: "string", default: "info", validator: oneOf("fatal", "error", "warn", "info", "debug", "trace", "silent"), doc: "Level of the broker's own log (pino)." },
];

export const BROKER_CONFIG_DEFS_BY_NAME: ReadonlyMap<string, BrokerConfigDef> = new Map(
  BROKER_CONFIG_DEFS.map((d) => [d.name, d]),
);
