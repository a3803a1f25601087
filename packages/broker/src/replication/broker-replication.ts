import {
  ReplicaManager,
  TcpFetchTransport,
  type AlterPartitionResponse,
  type FetchTransport,
  type ReplicaManagerConfig,
} from "@samsa/replication";
import { systemClock } from "@samsa/storage";
import type { ReplicationDependencies } from "../broker.js";
import type { BrokerConfig } from "../config/broker-config.js";
import { effectiveTopicConfig } from "../config/topic-configs.js";
import type { Partition, PartitionAssignment, ReplicaRoleHandler } from "../partitions/partition-manager.js";
import { replicaFetchSettings, type ReplicaFetchSettings } from "./replica-fetch-settings.js";
import { registerReplicationMetrics } from "./replication-metrics.js";

/**
 * The broker side of `@samsa/replication`: the metadata applier's role
 * changes go to the ReplicaManager, follower fetchers connect to the
 * leaders' inter-broker listener as the metadata advertises it, AlterPartition
 * goes to the active controller, and HW moves wake consumers' long polls.
 */
export class BrokerReplication implements ReplicaRoleHandler {
  readonly manager: ReplicaManager;
  private readonly minIsrCache = new WeakMap<object, number>();

  private readonly config: BrokerConfig;
  private readonly fetchSettings: ReplicaFetchSettings;

  constructor(
    private readonly deps: ReplicationDependencies,
    overrides: Partial<ReplicaManagerConfig> = {},
  ) {
    const config = (this.config = deps.config);
    const lagMs = config.values.get("replica.lag.time.max.ms") as number;
    const fetchSettings = (this.fetchSettings = replicaFetchSettings(config));
    const logger = deps.logger.child({ component: "replication" });
    const manager = new ReplicaManager({
      localBrokerId: deps.nodeId,
      brokerEpoch: deps.brokerEpoch,
      controller: {
        alterPartition: async (request): Promise<AlterPartitionResponse> => {
          const response = await deps.controller.alterPartition(request);
          return { errorCode: response.errorCode, partition: response.partition };
        },
      },
      transportFactory: (brokerId) => this.transportTo(brokerId),
      isBrokerEligible: (id) => deps.metadata.brokers().some((b) => b.id === id && !b.fenced),
      isBrokerAlive: (id) => deps.metadata.brokers().some((b) => b.id === id && !b.fenced),
      minInsyncReplicas: (topic) => this.minInsyncReplicas(topic),
      clock: systemClock,
      logger,
      config: {
        replicaLagTimeMaxMs: lagMs,
        isrCheckIntervalMs: Math.max(100, Math.floor(lagMs / 2)),
        numReplicaFetchers: fetchSettings.numReplicaFetchers,
        fetcher: fetchSettings.fetcher,
        ...overrides,
      },
      // Consumers read below the HW: wake their long polls when it moves.
      onHighWatermark: (key) => deps.partitions.purgatory.notify(key),
    });
    this.manager = manager;
    manager.start();
    registerReplicationMetrics(deps.metrics.registry, manager, deps.metadata);
  }

  becomeLeader(partition: Partition, assignment: PartitionAssignment): Promise<void> {
    return this.manager.becomeLeader({ topic: partition.topic, partition: partition.index, topicId: partition.topicId }, partition.log, assignment);
  }

  becomeFollower(partition: Partition, assignment: PartitionAssignment): Promise<void> {
    return this.manager.becomeFollower({ topic: partition.topic, partition: partition.index, topicId: partition.topicId }, partition.log, assignment);
  }

  stopReplica(partition: Partition): Promise<void> {
    return this.manager.stopReplica(partition.topic, partition.index);
  }

  leaderAppended(partition: Partition): void {
    this.manager.leaderAppended(partition.topic, partition.index);
  }

  close(): Promise<void> {
    return this.manager.close();
  }

  /** The topic's min.insync.replicas (its override, else the broker default), cached per config object. */
  minInsyncReplicas(topic: string): number {
    const t = this.deps.metadata.topic(topic);
    if (!t) return 1;
    let value = this.minIsrCache.get(t.configs);
    if (value === undefined) {
      value = effectiveTopicConfig(this.config, t.configs).get("min.insync.replicas") as number;
      this.minIsrCache.set(t.configs, value);
    }
    return value;
  }

  private transportTo(brokerId: number): FetchTransport | undefined {
    const broker = this.deps.metadata.brokers().find((b) => b.id === brokerId);
    if (!broker || broker.endpoints.length === 0) return undefined;
    const listener = (this.config.values.get("inter.broker.listener.name") as string | null) ?? this.config.listeners[0]?.name;
    const endpoint = broker.endpoints.find((e) => e.name === listener) ?? broker.endpoints[0]!;
    return new TcpFetchTransport({
      host: endpoint.host,
      port: endpoint.port,
      clientId: `samsa-replica-fetcher-${this.deps.nodeId}`,
      maxResponseBytes: this.fetchSettings.maxResponseBytes,
    });
  }
}
