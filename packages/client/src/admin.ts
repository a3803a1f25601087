import { ZERO_UUID } from "@samsa/protocol";
import {
  alterConfigsApi,
  createPartitionsApi,
  createTopicsApi,
  deleteRecordsApi,
  deleteTopicsApi,
  describeClusterApi,
  describeConfigsApi,
  incrementalAlterConfigsApi,
  listOffsetsApi,
} from "./apis.js";
import type { BrokerInfo, PartitionInfo } from "./cluster-metadata.js";
import { BrokerError, ClientError } from "./errors.js";
import type { KafkaClient } from "./kafka-client.js";

export interface NewTopic {
  name: string;
  /** -1: the broker's num.partitions. */
  numPartitions?: number;
  /** -1: the broker's default.replication.factor. */
  replicationFactor?: number;
  configs?: Record<string, string>;
}

export interface CreatedTopic {
  name: string;
  topicId: string | null;
  numPartitions: number;
  replicationFactor: number;
}

export interface TopicDescription {
  name: string;
  topicId: string | null;
  isInternal: boolean;
  partitions: PartitionInfo[];
}

export const ConfigResourceType = { topic: 2, broker: 4 } as const;
export type ConfigResourceKind = keyof typeof ConfigResourceType;

export interface ConfigResource {
  type: ConfigResourceKind;
  name: string;
}

/** Kafka's ConfigSource enum, as names. */
const CONFIG_SOURCE_NAMES = [
  "UNKNOWN",
  "DYNAMIC_TOPIC_CONFIG",
  "DYNAMIC_BROKER_CONFIG",
  "DYNAMIC_DEFAULT_BROKER_CONFIG",
  "STATIC_BROKER_CONFIG",
  "DEFAULT_CONFIG",
  "DYNAMIC_BROKER_LOGGER_CONFIG",
  "CLIENT_METRICS_CONFIG",
  "GROUP_CONFIG",
] as const;

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  isSensitive: boolean;
  source: string;
}

export interface ResourceConfigs {
  resource: ConfigResource;
  entries: ConfigEntry[];
}

export type AlterConfigOp = { name: string; op: "set"; value: string } | { name: string; op: "delete" } | { name: string; op: "append" | "subtract"; value: string };
const ALTER_OP_CODES = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

/** Where to look an offset up: the first retained, the next to be written, or the first at/after a time. */
export type OffsetSpec = "earliest" | "latest" | { timestamp: number };
const EARLIEST_TIMESTAMP = -2;
const LATEST_TIMESTAMP = -1;

export interface PartitionOffset {
  partition: number;
  offset: number;
  timestamp: number;
}

export interface ClusterDescription {
  clusterId: string;
  controllerId: number;
  brokers: BrokerInfo[];
}

export interface AdminOptions {
  /** How long the broker may take to apply topic changes. */
  timeoutMs?: number;
}

const DEFAULT_ADMIN_TIMEOUT_MS = 30_000;

/** Cluster administration in the spirit of Kafka's Admin client. */
export class Admin {
  private readonly timeoutMs: number;

  constructor(
    private readonly client: KafkaClient,
    options: AdminOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_ADMIN_TIMEOUT_MS;
  }

  async createTopics(topics: readonly NewTopic[], options: { validateOnly?: boolean } = {}): Promise<CreatedTopic[]> {
    const response = await this.client.withRetries("CreateTopics", async () => {
      const conn = await this.client.controllerConnection();
      const res = await conn.call(createTopicsApi, {
        topics: topics.map((t) => ({
          name: t.name,
          numPartitions: t.numPartitions ?? -1,
          replicationFactor: t.replicationFactor ?? -1,
          assignments: [],
          configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
        timeoutMs: this.timeoutMs,
        validateOnly: options.validateOnly ?? false,
      });
      throwIfNotController(res.topics.map((t) => t.errorCode), "CreateTopics");
      return res;
    });
    const created: CreatedTopic[] = [];
    for (const t of response.topics) {
      if (t.errorCode !== 0) throw BrokerError.fromCode(t.errorCode, `create topic '${t.name}'`, t.errorMessage);
      created.push({
        name: t.name,
        topicId: t.topicId ?? null,
        numPartitions: t.numPartitions ?? -1,
        replicationFactor: t.replicationFactor ?? -1,
      });
    }
    return created;
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    const response = await this.client.withRetries("DeleteTopics", async () => {
      const conn = await this.client.controllerConnection();
      const version = conn.versionFor(deleteTopicsApi);
      const res = await conn.call(deleteTopicsApi, {
        // v6 names topics through DeleteTopicState; earlier versions take plain names.
        ...(version >= 6 ? { topics: names.map((name) => ({ name, topicId: ZERO_UUID })) } : { topicNames: [...names] }),
        timeoutMs: this.timeoutMs,
      });
      throwIfNotController(res.responses.map((r) => r.errorCode), "DeleteTopics");
      return res;
    });
    for (const r of response.responses) {
      if (r.errorCode !== 0) throw BrokerError.fromCode(r.errorCode, `delete topic '${r.name}'`, r.errorMessage);
    }
  }

  /** Topic names, sorted; internal topics only when asked. */
  async listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    const md = await this.client.withRetries("Metadata", () => this.client.refreshMetadata());
    return [...md.topics.values()]
      .filter((t) => options.includeInternal || !t.isInternal)
      .map((t) => t.name)
      .sort();
  }

  /** All topics when `names` is omitted; an unknown name fails with UNKNOWN_TOPIC_OR_PARTITION. */
  async describeTopics(names?: readonly string[]): Promise<TopicDescription[]> {
    const md = await this.client.withRetries("Metadata", () => this.client.refreshMetadata(names));
    for (const name of names ?? []) {
      const code = md.topicErrors.get(name);
      if (code !== undefined) throw BrokerError.fromCode(code, `topic '${name}'`);
      if (!md.topics.has(name)) throw BrokerError.fromCode(3, `topic '${name}'`);
    }
    const wanted = names ?? [...md.topics.keys()].sort();
    return wanted.map((name) => {
      const t = md.topics.get(name)!;
      return { name: t.name, topicId: t.topicId, isInternal: t.isInternal, partitions: t.partitions };
    });
  }

  async describeConfigs(resources: readonly ConfigResource[], options: { configNames?: readonly string[] } = {}): Promise<ResourceConfigs[]> {
    const out: ResourceConfigs[] = [];
    // Broker configs are answered by that broker; topic configs by any.
    for (const resource of resources) {
      const res = await this.client.withRetries("DescribeConfigs", async () => {
        const conn = resource.type === "broker" ? await this.client.connectionTo(Number(resource.name)) : await this.client.anyConnection();
        return conn.call(describeConfigsApi, {
          resources: [{ resourceType: ConfigResourceType[resource.type], resourceName: resource.name, configurationKeys: options.configNames ? [...options.configNames] : null }],
          includeSynonyms: false,
          includeDocumentation: false,
        });
      });
      for (const r of res.results) {
        if (r.errorCode !== 0) throw BrokerError.fromCode(r.errorCode, `describe configs of ${resource.type} '${resource.name}'`, r.errorMessage);
        out.push({
          resource,
          entries: r.configs
            .map((c) => {
              const source = c.configSource ?? (c.isDefault ? 5 : 0);
              return {
                name: c.name,
                value: c.isSensitive ? null : c.value,
                readOnly: c.readOnly,
                isDefault: source === 5,
                isSensitive: c.isSensitive,
                source: CONFIG_SOURCE_NAMES[source] ?? `SOURCE_${source}`,
              };
            })
            .sort((a, b) => a.name.localeCompare(b.name)),
        });
      }
    }
    return out;
  }

  /** Replaces the resource's whole dynamic config (Kafka's legacy AlterConfigs). */
  async alterConfigs(resource: ConfigResource, configs: Record<string, string>): Promise<void> {
    const res = await this.client.withRetries("AlterConfigs", async () => {
      const conn = await this.configConnection(resource);
      return conn.call(alterConfigsApi, {
        resources: [{ resourceType: ConfigResourceType[resource.type], resourceName: resource.name, configs: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
        validateOnly: false,
      });
    });
    for (const r of res.responses) {
      if (r.errorCode !== 0) throw BrokerError.fromCode(r.errorCode, `alter configs of ${resource.type} '${resource.name}'`, r.errorMessage);
    }
  }

  async incrementalAlterConfigs(resource: ConfigResource, ops: readonly AlterConfigOp[]): Promise<void> {
    const res = await this.client.withRetries("IncrementalAlterConfigs", async () => {
      const conn = await this.configConnection(resource);
      return conn.call(incrementalAlterConfigsApi, {
        resources: [
          {
            resourceType: ConfigResourceType[resource.type],
            resourceName: resource.name,
            configs: ops.map((o) => ({ name: o.name, configOperation: ALTER_OP_CODES[o.op], value: o.op === "delete" ? null : o.value })),
          },
        ],
        validateOnly: false,
      });
    });
    for (const r of res.responses) {
      if (r.errorCode !== 0) throw BrokerError.fromCode(r.errorCode, `alter configs of ${resource.type} '${resource.name}'`, r.errorMessage);
    }
  }

  /** Grows `topic` to `totalCount` partitions. */
  async createPartitions(topic: string, totalCount: number): Promise<void> {
    const res = await this.client.withRetries("CreatePartitions", async () => {
      const conn = await this.client.controllerConnection();
      const r = await conn.call(createPartitionsApi, {
        topics: [{ name: topic, count: totalCount, assignments: null }],
        timeoutMs: this.timeoutMs,
        validateOnly: false,
      });
      throwIfNotController(r.results.map((x) => x.errorCode), "CreatePartitions");
      return r;
    });
    for (const r of res.results) {
      if (r.errorCode !== 0) throw BrokerError.fromCode(r.errorCode, `create partitions of '${r.name}'`, r.errorMessage);
    }
  }

  /** Offsets of `partitions` (all partitions of the topic when omitted), asked of each partition's leader. */
  async listOffsets(topic: string, spec: OffsetSpec, partitions?: readonly number[]): Promise<PartitionOffset[]> {
    const timestamp = spec === "earliest" ? EARLIEST_TIMESTAMP : spec === "latest" ? LATEST_TIMESTAMP : spec.timestamp;
    const wanted = partitions ?? (await this.client.topic(topic, { refresh: true })).partitions.map((p) => p.partition);
    const results = await Promise.all(
      wanted.map((partition) =>
        this.client.withRetries(`ListOffsets ${topic}-${partition}`, async () => {
          const { broker } = await this.client.partitionLeader(topic, partition);
          const conn = await this.client.connectionTo(broker.nodeId);
          const res = await conn.call(listOffsetsApi, {
            replicaId: -1,
            isolationLevel: 0,
            topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp, maxNumOffsets: 1 }] }],
            timeoutMs: this.timeoutMs,
          });
          const p = res.topics[0]?.partitions[0];
          if (!p) throw new ClientError("MALFORMED_RESPONSE", `ListOffsets answer for ${topic}-${partition} is empty`);
          if (p.errorCode !== 0) throw BrokerError.fromCode(p.errorCode, `list offsets of ${topic}-${partition}`);
          return { partition, offset: p.offset ?? p.oldStyleOffsets?.[0] ?? -1, timestamp: p.timestamp ?? -1 };
        }),
      ),
    );
    return results.sort((a, b) => a.partition - b.partition);
  }

  /** Deletes records before `offset` (-1: the high watermark) per partition; returns the new low watermarks. */
  async deleteRecords(topic: string, offsets: ReadonlyArray<{ partition: number; offset: number }>): Promise<Array<{ partition: number; lowWatermark: number }>> {
    const results = await Promise.all(
      offsets.map(({ partition, offset }) =>
        this.client.withRetries(`DeleteRecords ${topic}-${partition}`, async () => {
          const { broker } = await this.client.partitionLeader(topic, partition);
          const conn = await this.client.connectionTo(broker.nodeId);
          const res = await conn.call(deleteRecordsApi, {
            topics: [{ name: topic, partitions: [{ partitionIndex: partition, offset }] }],
            timeoutMs: this.timeoutMs,
          });
          const p = res.topics[0]?.partitions[0];
          if (!p) throw new ClientError("MALFORMED_RESPONSE", `DeleteRecords answer for ${topic}-${partition} is empty`);
          if (p.errorCode !== 0) throw BrokerError.fromCode(p.errorCode, `delete records of ${topic}-${partition}`);
          return { partition, lowWatermark: p.lowWatermark };
        }),
      ),
    );
    return results.sort((a, b) => a.partition - b.partition);
  }

  async describeCluster(): Promise<ClusterDescription> {
    return this.client.withRetries("DescribeCluster", async () => {
      const conn = await this.client.anyConnection();
      if (conn.brokerVersions.has(describeClusterApi.apiKey)) {
        const res = await conn.call(describeClusterApi, { includeClusterAuthorizedOperations: false, endpointType: 1 });
        if (res.errorCode !== 0) throw BrokerError.fromCode(res.errorCode, "describe cluster", res.errorMessage);
        return {
          clusterId: res.clusterId,
          controllerId: res.controllerId,
          brokers: res.brokers.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack ?? null })).sort((a, b) => a.nodeId - b.nodeId),
        };
      }
      // Brokers without DescribeCluster: the same facts from Metadata.
      const md = await this.client.refreshMetadata([]);
      return { clusterId: md.clusterId ?? "", controllerId: md.controllerId, brokers: [...md.brokers.values()].sort((a, b) => a.nodeId - b.nodeId) };
    });
  }

  private configConnection(resource: ConfigResource) {
    return resource.type === "broker" ? this.client.connectionTo(Number(resource.name)) : this.client.controllerConnection();
  }
}

const NOT_CONTROLLER = 41;

/** NOT_CONTROLLER on any entry means the whole request went to the wrong node: retry it elsewhere. */
function throwIfNotController(codes: readonly number[], what: string): void {
  if (codes.includes(NOT_CONTROLLER)) throw BrokerError.fromCode(NOT_CONTROLLER, what);
}
