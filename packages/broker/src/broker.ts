import { hostname } from "node:os";
import type { Logger } from "pino";
import type { AdvertisedEndpoint, BrokerContext } from "./broker-context.js";
import type { BrokerConfig } from "./config/broker-config.js";
import { ConfigError } from "./config/config-error.js";
import { groupCoordinatorConfig } from "./groups/group-config.js";
import { GroupCoordinator } from "./groups/group-coordinator.js";
import { registerGroupMetrics } from "./groups/group-metrics.js";
import { BrokerOffsetsLog } from "./groups/offsets-log.js";
import { ALL_HANDLERS } from "./handlers/all-handlers.js";
import { KafkaDispatcher } from "./handlers/dispatcher.js";
import { HandlerRegistry } from "./handlers/registry.js";
import { createLogger } from "./logger.js";
import { LocalMetadataStore } from "./metadata/local-metadata-store.js";
import { TopicManager } from "./metadata/topic-manager.js";
import { BrokerMetrics, startMetricsServer } from "./metrics.js";
import { KafkaServer } from "./network/server.js";
import { PartitionManager } from "./partitions/partition-manager.js";

/** How long close() lets connections finish requests already read. */
export const SHUTDOWN_DRAIN_TIMEOUT_MS = 5_000;

export interface BrokerHandle {
  readonly nodeId: number;
  readonly clusterId: string;
  /** Bound port per broker listener name (useful when the config asked for port 0). */
  readonly ports: Readonly<Record<string, number>>;
  /** Bound port of the first broker listener. */
  readonly port: number;
  /** Port of the Prometheus endpoint, or null when disabled. */
  readonly metricsPort: number | null;
  readonly metrics: BrokerMetrics;
  /** Clean shutdown: stop accepting, answer in-flight requests, close logs with the clean marker. */
  close(): Promise<void>;
}

export interface StartBrokerOptions {
  logger?: Logger;
}

export async function startBroker(config: BrokerConfig, options: StartBrokerOptions = {}): Promise<BrokerHandle> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  if (!config.processRoles.includes("broker")) {
    throw new ConfigError("process.roles", "a controller-only node is not supported yet; include 'broker'");
  }
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
  try {
    const metrics = new BrokerMetrics();
    const metadata = await LocalMetadataStore.open({ dir: config.logDirs[0]!, nodeId: config.nodeId, clusterId: config.clusterId });
    cleanups.push(() => metadata.close());
    const partitions = await PartitionManager.open({ config, metadata, metrics, logger });
    cleanups.push(() => partitions.close());
    const topics = new TopicManager(config, metadata, partitions, logger);
    const groupsConfig = groupCoordinatorConfig(config);
    const groups = new GroupCoordinator({
      config: groupsConfig,
      log: new BrokerOffsetsLog(groupsConfig, metadata, topics, partitions),
      logger: logger.child({ component: "group-coordinator" }),
      partitionExists: (topic, partition) => partitions.get(topic, partition) !== undefined,
    });
    groups.start();
    registerGroupMetrics(metrics.registry, groups, { highWatermark: (t, p) => partitions.get(t, p)?.log.highWatermark });
    const registry = new HandlerRegistry(ALL_HANDLERS);
    const boundPorts: Record<string, number> = {};
    const advertisedHostFallback = hostname();
    const context: BrokerContext = {
      config,
      nodeId: config.nodeId,
      clusterId: metadata.clusterId,
      metadata,
      topics,
      partitions,
      metrics,
      logger,
      registry,
      groups,
      advertisedEndpoint(listenerName: string): AdvertisedEndpoint {
        const a = config.advertisedListeners.find((l) => l.name === listenerName) ?? config.advertisedListeners[0]!;
        const port = a.port === 0 ? (boundPorts[a.name] ?? 0) : a.port;
        return { listenerName: a.name, host: a.host === "" ? advertisedHostFallback : a.host, port };
      },
    };
    const dispatcher = new KafkaDispatcher(context, registry, logger);
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
          connectionsChanged: (open) => metrics.connections.set(open),
        },
      });
      servers.push(server);
      boundPorts[listener.name] = await server.listen();
    }
    // Registered after the servers so it runs before they drain: waiting joins end at once with NOT_COORDINATOR.
    cleanups.push(() => groups.close());
    let metricsPort: number | null = null;
    if (config.metricsPort >= 0) {
      const metricsServer = await startMetricsServer(metrics, config.metricsHost, config.metricsPort);
      metricsPort = metricsServer.port;
      cleanups.push(() => metricsServer.close());
    }
    logger.info(
      {
        nodeId: config.nodeId,
        clusterId: metadata.clusterId,
        listeners: config.listeners.map((l) => `${l.name}://${l.host}:${boundPorts[l.name]}`),
        advertised: config.advertisedListeners.map((l) => {
          const e = context.advertisedEndpoint(l.name);
          return `${l.name}://${e.host}:${e.port}`;
        }),
        logDirs: config.logDirs,
        metricsPort,
        topics: [...metadata.topics()].length,
      },
      "broker started",
    );
    let closing: Promise<void> | undefined;
    return {
      nodeId: config.nodeId,
      clusterId: metadata.clusterId,
      ports: { ...boundPorts },
      port: boundPorts[config.listeners[0]!.name]!,
      metricsPort,
      metrics,
      close() {
        closing ??= (async () => {
          logger.info("broker shutting down");
          await closeAll();
          logger.info("broker stopped");
        })();
        return closing;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
