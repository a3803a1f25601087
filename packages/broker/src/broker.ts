import { hostname } from "node:os";
import { crc32cFallbackReason, crc32cImplementation } from "@samsa/protocol";
import { METADATA_LOG_CONFIG, METADATA_TOPIC, MetadataImage, startMetadataNode, type BrokerEndpoint, type ControllerApi, type MetadataNode } from "@samsa/raft-controller";
import type { Logger } from "pino";
import type { AdvertisedEndpoint, BrokerContext } from "./broker-context.js";
import type { BrokerConfig } from "./config/broker-config.js";
import { groupCoordinatorConfig } from "./groups/group-config.js";
import { GroupCoordinator } from "./groups/group-coordinator.js";
import { registerGroupMetrics } from "./groups/group-metrics.js";
import { BrokerOffsetsLog } from "./groups/offsets-log.js";
import { offsetsRoleListener } from "./groups/offsets-role-listener.js";
import { ALL_HANDLERS } from "./handlers/all-handlers.js";
import { KafkaDispatcher } from "./handlers/dispatcher.js";
import { HandlerRegistry } from "./handlers/registry.js";
import { createLogger } from "./logger.js";
import { ControllerProducerIdAllocator } from "./metadata/controller-producer-id-allocator.js";
import { ImageMetadataView } from "./metadata/image-metadata-view.js";
import { lateControllerApi } from "./metadata/late-controller.js";
import { importLegacyMetadata } from "./metadata/legacy-metadata.js";
import { MetadataApplier } from "./metadata/metadata-applier.js";
import { leaderImbalanceCheckIntervalMs, resolveClusterId, resolveQuorumSettings } from "./metadata/quorum-config.js";
import { StartupGate } from "./metadata/startup-gate.js";
import { registerQuorumMetrics } from "./quorum-metrics.js";
import { TopicManager } from "./metadata/topic-manager.js";
import { BrokerMetrics, startMetricsServer } from "./metrics.js";
import { KafkaServer } from "./network/server.js";
import type { MetadataStore } from "./metadata/metadata-store.js";
import { PartitionManager, logConfigFor, type ReplicaRoleHandler } from "./partitions/partition-manager.js";
import { BrokerReplication } from "./replication/broker-replication.js";
import { LocalProducerIdAllocator } from "./producer-ids/local-producer-id-allocator.js";
import { registerProducerIdMetrics } from "./producer-ids/producer-id-metrics.js";
import { ProducerIdManager } from "./producer-ids/producer-id-manager.js";

/** How long close() lets connections finish requests already read. */
export const SHUTDOWN_DRAIN_TIMEOUT_MS = 5_000;
/** How long a start waits to be registered, caught up and unfenced before it gives up. */
export const READY_TIMEOUT_MS = 60_000;
/** Bound on a controlled shutdown (leadership moving away) when closing. */
export const CONTROLLED_SHUTDOWN_TIMEOUT_MS = 10_000;

export interface BrokerHandle {
  readonly nodeId: number;
  readonly clusterId: string;
  /** Bound port per broker listener name (useful when the config asked for port 0). */
  readonly ports: Readonly<Record<string, number>>;
  /** Bound port of the first broker listener (0 for a controller-only node). */
  readonly port: number;
  /** Bound port of the controller listener (0 without the controller role). */
  readonly controllerPort: number;
  /** Port of the Prometheus endpoint, or null when disabled. */
  readonly metricsPort: number | null;
  readonly metrics: BrokerMetrics;
  /** This process's part of the metadata quorum (status, image, controller client). */
  readonly metadataNode: MetadataNode;
  /**
   * Resolves (never rejects) with the error that keeps this node from serving: its
   * registration was refused (another live broker has its node.id, or the cluster id
   * differs). Pending forever otherwise. The CLI exits on it.
   */
  readonly fatal: Promise<Error>;
  /**
   * Clean shutdown: controlled shutdown (leadership moves to other brokers), stop
   * accepting, answer in-flight requests, leave the quorum, close logs with the clean marker.
   */
  close(options?: { controlledShutdown?: boolean }): Promise<void>;
}

/** What the replication package gets to build its role handler (see ReplicaRoleHandler). */
export interface ReplicationDependencies {
  readonly nodeId: number;
  readonly partitions: PartitionManager;
  /** Committed metadata: partition states and the brokers' advertised endpoints (for follower fetchers). */
  readonly metadata: MetadataStore;
  /** AlterPartition goes to the active controller through this. */
  readonly controller: ControllerApi;
  /** This incarnation's broker epoch (-1 before registration), for AlterPartition. */
  readonly brokerEpoch: () => number;
  readonly logger: Logger;
  readonly config: BrokerConfig;
  /** Replication registers its gauges (under-replicated partitions, ISR changes, lag) here. */
  readonly metrics: BrokerMetrics;
}

export interface StartBrokerOptions {
  logger?: Logger;
  /**
   * Builds the leader/follower role handler. Defaults to `@samsa/replication`
   * (BrokerReplication); `false` leaves leaders with single-replica semantics and
   * followers only refusing clients.
   */
  replication?: ((deps: ReplicationDependencies) => ReplicaRoleHandler & { close?(): Promise<void> }) | false;
}

export async function startBroker(config: BrokerConfig, options: StartBrokerOptions = {}): Promise<BrokerHandle> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const quorum = await resolveQuorumSettings(config);
  const isBroker = quorum.roles.has("broker");
  const clusterId = await resolveClusterId(config, quorum.singleNode);
  const cleanups: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse().splice(0)) {
      try {
        await cleanup();
      } catch (err) {
        logger.error({ err }, "error during shutdown");
      }
    }
  };
  let node: MetadataNode | null = null;
  let applier: MetadataApplier | null = null;
  let controlledShutdown = true;
  let gate: StartupGate | null = null;
  let closing: Promise<void> | undefined;
  let reportFatal: (error: Error) => void = () => {};
  const fatal = new Promise<Error>((resolve) => (reportFatal = resolve));
  try {
    const metrics = new BrokerMetrics();
    registerQuorumMetrics(metrics.registry, () => node);
    const view = new ImageMetadataView(clusterId, MetadataImage.EMPTY, () => node?.raftStatus().leaderId ?? -1);
    const partitions = isBroker
      ? await PartitionManager.open({
          config,
          clusterId,
          metrics,
          logger,
          configForTopic: (topic) => {
            if (topic === METADATA_TOPIC) return METADATA_LOG_CONFIG;
            const t = view.topic(topic);
            return t ? logConfigFor(config, t) : undefined;
          },
        })
      : null;
    if (partitions) {
      cleanups.push(() => partitions.close());
      // Retention, compaction, flush.ms, delayed file deletion and producer-id expiry: the log manager's timer.
      partitions.startBackgroundTasks();
    }
    const controller = lateControllerApi(() => node?.controllerClient ?? null);
    const replicationFactory = options.replication ?? ((deps: ReplicationDependencies) => new BrokerReplication(deps));
    let replication: BrokerReplication | undefined;
    if (partitions && replicationFactory) {
      const handler = replicationFactory({ nodeId: config.nodeId, partitions, metadata: view, controller, brokerEpoch: () => node?.brokerLifecycle?.brokerEpoch ?? -1, logger, config, metrics });
      if (handler instanceof BrokerReplication) replication = handler;
      partitions.setRoleHandler(handler);
      // Runs after the quorum node closed (cleanups run in reverse): no role change arrives any more.
      if (handler.close) cleanups.push(() => handler.close!());
    }
    // Registered here so it runs after the listeners drained: leave the quorum, then close the logs.
    cleanups.push(async () => {
      await applier?.close();
      // Also alone: the controlled shutdown fences this incarnation, so the next start registers at once
      // instead of waiting for the old session to expire.
      await node?.close({ controlledShutdown });
    });

    const waitForMetadata = (predicate: Parameters<MetadataApplier["waitFor"]>[0], timeoutMs: number) => applier?.waitFor(predicate, timeoutMs) ?? Promise.resolve(false);
    const topics = new TopicManager(config, view, controller, waitForMetadata, logger);
    const boundPorts: Record<string, number> = {};
    const advertisedHostFallback = hostname();
    const advertisedEndpoint = (listenerName: string): AdvertisedEndpoint => {
      const a = config.advertisedListeners.find((l) => l.name === listenerName) ?? config.advertisedListeners[0]!;
      const port = a.port === 0 ? (boundPorts[a.name] ?? 0) : a.port;
      return { listenerName: a.name, host: a.host === "" ? advertisedHostFallback : a.host, port };
    };

    let groups: GroupCoordinator | null = null;
    if (partitions) {
      const groupsConfig = groupCoordinatorConfig(config);
      groups = new GroupCoordinator({
        config: groupsConfig,
        log: new BrokerOffsetsLog(groupsConfig, view, topics, partitions, replication?.manager),
        logger: logger.child({ component: "group-coordinator" }),
        partitionExists: (topic, partition) => view.topic(topic) !== undefined && partition >= 0 && partition < view.topic(topic)!.partitionCount,
      });
      // Leading a __consumer_offsets partition makes this broker the coordinator of its groups.
      partitions.addRoleListener(offsetsRoleListener(groups));
      registerGroupMetrics(metrics.registry, groups, { highWatermark: (t, p) => partitions.get(t, p)?.log.highWatermark });
      // A one-voter quorum keeps the pre-quorum local allocator (its file continues the ids already handed out);
      // brokers of a multi-node cluster take blocks from the controller so ids never collide.
      const allocator = quorum.singleNode
        ? await LocalProducerIdAllocator.open({ dir: config.logDirs[0]!, nodeId: config.nodeId })
        : new ControllerProducerIdAllocator(controller, config.nodeId, () => node?.brokerLifecycle?.brokerEpoch ?? -1);
      const producerIds = new ProducerIdManager(allocator);
      registerProducerIdMetrics(metrics.registry, () => partitions.all(), producerIds);
      const registry = new HandlerRegistry(ALL_HANDLERS);
      const context: BrokerContext = {
        config,
        nodeId: config.nodeId,
        clusterId,
        metadata: view,
        topics,
        partitions,
        metrics,
        logger,
        registry,
        groups,
        producerIds,
        quorum: () => node,
        advertisedEndpoint,
        ...(replication ? { replication } : {}),
      };
      gate = new StartupGate(new KafkaDispatcher(context, registry, logger));
      const dispatcher = gate;
      const servers: KafkaServer[] = [];
      cleanups.push(async () => {
        await Promise.all(servers.map((s) => s.close(SHUTDOWN_DRAIN_TIMEOUT_MS)));
      });
      for (const listener of config.listeners) {
        const server = new KafkaServer(dispatcher, {
          listener,
          maxFrameBytes: config.socketRequestMaxBytes,
          maxInFlightRequests: config.maxInFlightRequestsPerConnection,
          idleTimeoutMs: config.connectionsMaxIdleMs,
          listenBacklog: config.values.get("socket.listen.backlog.size") as number,
          logger,
          observer: {
            bytesIn: (n) => metrics.networkBytesIn.inc(n),
            bytesOut: (n) => metrics.networkBytesOut.inc(n),
            badInput: (reason) => metrics.connectionsClosedForBadInput.inc({ reason }),
            connectionsChanged: (open) => metrics.connections.set({ listener: listener.name }, open),
          },
        });
        servers.push(server);
        metrics.addRequestQueue(() => server.pendingRequests);
        boundPorts[listener.name] = await server.listen();
      }
      // Registered after the servers so it runs before they drain: waiting joins end at once with NOT_COORDINATOR.
      const groupCoordinator = groups;
      cleanups.push(() => groupCoordinator.close());
    }

    const brokerEndpoints: BrokerEndpoint[] = isBroker
      ? config.advertisedListeners.map((l) => {
          const e = advertisedEndpoint(l.name);
          return { name: l.name, host: e.host, port: e.port, securityProtocol: l.securityProtocol };
        })
      : [];
    const started = await startMetadataNode({
      nodeId: config.nodeId,
      roles: quorum.roles,
      voters: quorum.voters,
      ...(quorum.controllerListener ? { controllerListener: quorum.controllerListener } : {}),
      logDirs: config.logDirs,
      ...(partitions ? { logManager: partitions.logManager } : {}),
      clusterId,
      brokerEndpoints,
      rack: (config.values.get("broker.rack") as string | null) ?? null,
      raft: quorum.raft,
      sessionTimeoutMs: config.values.get("broker.session.timeout.ms") as number,
      heartbeatIntervalMs: config.values.get("broker.heartbeat.interval.ms") as number,
      leaderImbalanceCheckIntervalMs: leaderImbalanceCheckIntervalMs(config),
      controlledShutdownTimeoutMs: CONTROLLED_SHUTDOWN_TIMEOUT_MS,
      defaultPartitions: config.numPartitions,
      defaultReplicationFactor: config.defaultReplicationFactor,
      logger: logger.child({ component: "metadata" }),
    });
    node = started;
    applier = new MetadataApplier(config.nodeId, view, partitions, logger, started.brokerLifecycle?.incarnationId ?? null);
    applier.start(started);

    // Once registered: import pre-quorum topics, then let stray logs go, then serve groups.
    const joined = async () => {
      await started.brokerRegistered();
      await importLegacyMetadata(config.logDirs[0]!, config.nodeId, controller, logger);
      applier!.allowStrayLogRemoval();
    };
    // Serve once joined: registered, caught up with the metadata, unfenced, partitions led again.
    const ready = async () => {
      await joined();
      await started.brokerLifecycle!.waitUntilRunning(READY_TIMEOUT_MS);
      // A restart re-registers (a new incarnation), which leaves partitions leaderless until the
      // controller, seeing the broker unfenced, gives them their ISR member back as leader.
      await applier!.waitFor(() => view.image.offset >= started.image.offset && !hasElectableLeaderlessPartition(started), READY_TIMEOUT_MS);
      groups?.start();
      gate?.release();
    };
    if (isBroker && quorum.singleNode) {
      // Nothing else to wait for: this node's own quorum registers it.
      await ready();
    } else if (isBroker) {
      // The other nodes may still be starting: join in the background; requests wait at the gate.
      ready().catch((err: Error) => {
        // Closed during the start-up wait (SIGTERM before the controller answered): nothing left to serve.
        if (closing) return;
        if (err.name === "BrokerRegistrationError" || err.name === "LegacyMetadataError") {
          logger.error({ err: err.message }, "this broker cannot join the cluster");
          reportFatal(err);
          return;
        }
        // No quorum yet (most voters down): serve what this node knows; registration keeps trying.
        logger.warn({ err: err.message }, "not caught up with the cluster yet; serving anyway");
        groups?.start();
        gate?.release();
      });
    }

    let metricsPort: number | null = null;
    if (config.metricsPort >= 0) {
      const metricsServer = await startMetricsServer(metrics, config.metricsHost, config.metricsPort);
      metricsPort = metricsServer.port;
      cleanups.push(() => metricsServer.close());
    }
    logger.info(
      {
        nodeId: config.nodeId,
        clusterId,
        roles: [...quorum.roles],
        voters: [...quorum.voters.values()].map((v) => `${v.id}@${v.host}:${v.port}`),
        listeners: config.listeners.map((l) => `${l.name}://${l.host}:${boundPorts[l.name]}`),
        advertised: brokerEndpoints.map((e) => `${e.name}://${e.host}:${e.port}`),
        controllerPort: started.controllerPort,
        logDirs: config.logDirs,
        metricsPort,
        topics: started.image.topicsById.size,
        crc32c: crc32cImplementation,
      },
      "node started",
    );
    if (crc32cFallbackReason !== undefined) {
      logger.warn(
        { reason: crc32cFallbackReason },
        "CRC-32C runs on the portable fallback, about 4x slower on large batches; build the native one with `npm run build:native -w packages/crc32c`",
      );
    }
    return {
      nodeId: config.nodeId,
      clusterId,
      ports: { ...boundPorts },
      port: isBroker ? boundPorts[config.listeners[0]!.name]! : 0,
      controllerPort: started.controllerPort,
      metricsPort,
      metrics,
      metadataNode: started,
      fatal,
      close(closeOptions = {}) {
        controlledShutdown = closeOptions.controlledShutdown ?? true;
        closing ??= (async () => {
          logger.info("node shutting down");
          // As Kafka's controlled shutdown: leadership moves away while this broker still serves, so
          // clients get NOT_LEADER_OR_FOLLOWER and follow the new leader instead of waiting on a draining listener.
          // A single node has nowhere to move it: it answers what is in flight, then stops.
          if (controlledShutdown && !quorum.singleNode) await started.brokerLifecycle?.shutdown();
          await closeAll();
          logger.info("node stopped");
        })();
        return closing;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** A partition without a leader although an ISR member is live: the controller is about to elect it. */
function hasElectableLeaderlessPartition(node: MetadataNode): boolean {
  const image = node.image;
  for (const topic of image.topicsById.values()) {
    for (const p of topic.partitions.values()) if (p.leader < 0 && p.isr.some((id) => image.isUnfenced(id))) return true;
  }
  return false;
}
