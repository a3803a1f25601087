import type { ApiSpec } from "./api-spec.js";
import { metadataApi } from "./apis.js";
import { BrokerConnection, type CallOptions } from "./broker-connection.js";
import { clusterMetadataFrom, type BrokerInfo, type ClusterMetadata, type PartitionInfo, type TopicInfo } from "./cluster-metadata.js";
import { BrokerError, ClientError, isRetriable, needsMetadataRefresh } from "./errors.js";

export interface KafkaClientOptions {
  /** "host:port" entries, as one comma-separated string or a list. */
  bootstrapServers: string | readonly string[];
  clientId?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Per broker connection. */
  maxInFlightRequests?: number;
  /** Attempts for one operation that fails with a retriable error, the first included. */
  maxAttempts?: number;
  /** Wait between attempts; doubles each time up to `maxRetryBackoffMs`. */
  retryBackoffMs?: number;
  maxRetryBackoffMs?: number;
}

interface HostPort {
  host: string;
  port: number;
}

const DEFAULT_MAX_ATTEMPTS = 6;
const DEFAULT_RETRY_BACKOFF_MS = 50;
const DEFAULT_MAX_RETRY_BACKOFF_MS = 1_000;

export function parseHostPort(text: string): HostPort {
  const colon = text.lastIndexOf(":");
  const port = Number(text.slice(colon + 1));
  const host = text.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new ClientError("INVALID_BOOTSTRAP_SERVER", `'${text}' is not host:port`);
  }
  return { host, port };
}

/**
 * Connections to a cluster: bootstrap, metadata cache, routing to partition
 * leaders and the controller, bounded retries with metadata refresh. Admin,
 * Producer and Consumer are built on it.
 */
export class KafkaClient {
  readonly options: Readonly<KafkaClientOptions>;
  private readonly bootstrap: HostPort[];
  private readonly connections = new Map<string, Promise<BrokerConnection>>();
  private cluster: ClusterMetadata | null = null;
  private closed = false;

  constructor(options: KafkaClientOptions) {
    this.options = options;
    const list = typeof options.bootstrapServers === "string" ? options.bootstrapServers.split(",") : options.bootstrapServers;
    this.bootstrap = list.map((s) => s.trim()).filter((s) => s.length > 0).map(parseHostPort);
    if (this.bootstrap.length === 0) throw new ClientError("INVALID_BOOTSTRAP_SERVER", "no bootstrap servers given");
  }

  get maxAttempts(): number {
    return this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  }

  /** Last metadata seen, without asking the cluster. */
  get cachedMetadata(): ClusterMetadata | null {
    return this.cluster;
  }

  /** Fails fast if no bootstrap server answers. */
  async connect(): Promise<void> {
    await this.anyConnection();
  }

  /**
   * Asks the cluster for metadata of `topics` (all topics when omitted) and
   * merges it into the cache.
   */
  async refreshMetadata(topics?: readonly string[], options: { allowAutoTopicCreation?: boolean } = {}): Promise<ClusterMetadata> {
    const connection = await this.anyConnection();
    const response = await connection.call(metadataApi, {
      topics: topics === undefined ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation: options.allowAutoTopicCreation ?? false,
    });
    const fresh = clusterMetadataFrom(response);
    if (topics !== undefined && this.cluster) {
      // Keep what we knew about topics that were not asked for.
      for (const [name, info] of this.cluster.topics) {
        if (!topics.includes(name) && !fresh.topics.has(name)) fresh.topics.set(name, info);
      }
    }
    this.cluster = fresh;
    return fresh;
  }

  /** The topic from the cache, refreshing once if unknown; throws UNKNOWN_TOPIC_OR_PARTITION otherwise. */
  async topic(name: string, options: { refresh?: boolean } = {}): Promise<TopicInfo> {
    let info = options.refresh ? undefined : this.cluster?.topics.get(name);
    if (!info) {
      const md = await this.refreshMetadata([name]);
      info = md.topics.get(name);
      if (!info) throw BrokerError.fromCode(md.topicErrors.get(name) ?? 3, `topic '${name}'`);
    }
    return info;
  }

  async partitionLeader(topic: string, partition: number): Promise<{ info: PartitionInfo; broker: BrokerInfo }> {
    const t = await this.topic(topic);
    const info = t.partitions.find((p) => p.partition === partition);
    if (!info) throw BrokerError.fromCode(3, `partition ${topic}-${partition}`);
    const broker = info.leader >= 0 ? this.cluster?.brokers.get(info.leader) : undefined;
    if (!broker) throw BrokerError.fromCode(5, `partition ${topic}-${partition} has no leader`);
    return { info, broker };
  }

  /** Connection to the broker `nodeId` (from metadata). */
  async connectionTo(nodeId: number): Promise<BrokerConnection> {
    let broker = this.cluster?.brokers.get(nodeId);
    if (!broker) broker = (await this.refreshMetadata([])).brokers.get(nodeId);
    if (!broker) throw new ClientError("UNKNOWN_BROKER", `broker ${nodeId} is not in the cluster metadata`);
    return this.connectionAt(broker);
  }

  /** Any live connection: one already open, else the bootstrap servers in order. */
  async anyConnection(): Promise<BrokerConnection> {
    for (const pending of this.connections.values()) {
      const conn = await pending.catch(() => null);
      if (conn && !conn.isClosed) return conn;
    }
    let lastError: unknown;
    for (const server of this.bootstrap) {
      try {
        return await this.connectionAt(server);
      } catch (err) {
        lastError = err;
      }
    }
    throw new ClientError(
      "NO_BROKER_AVAILABLE",
      `could not connect to any bootstrap server (${this.bootstrap.map((b) => `${b.host}:${b.port}`).join(", ")}): ${(lastError as Error).message}`,
      { cause: lastError },
    );
  }

  /**
   * The controller if metadata names a reachable one, else any broker: KRaft
   * brokers forward admin requests to the active controller themselves.
   */
  async controllerConnection(): Promise<BrokerConnection> {
    const md = this.cluster ?? (await this.refreshMetadata([]));
    if (md.controllerId >= 0 && md.brokers.has(md.controllerId)) {
      try {
        return await this.connectionTo(md.controllerId);
      } catch {
        // fall through to any broker
      }
    }
    return this.anyConnection();
  }

  async call<Req, Res>(connection: BrokerConnection, spec: ApiSpec<Req, Res>, msg: Req, options?: CallOptions): Promise<Res> {
    return connection.call(spec, msg, options);
  }

  /**
   * Runs `operation` until it succeeds, a non-retriable error occurs, or
   * `maxAttempts` is reached; stale-routing errors refresh metadata first.
   */
  async withRetries<T>(what: string, operation: (attempt: number) => Promise<T>): Promise<T> {
    let backoffMs = this.options.retryBackoffMs ?? DEFAULT_RETRY_BACKOFF_MS;
    const maxBackoffMs = this.options.maxRetryBackoffMs ?? DEFAULT_MAX_RETRY_BACKOFF_MS;
    let lastError: unknown = new ClientError("RETRIES_EXHAUSTED", `${what}: no attempt made`);
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (this.closed) throw new ClientError("CLIENT_CLOSED", `${what}: client is closed`);
      try {
        return await operation(attempt);
      } catch (err) {
        // The last error is rethrown as is, so callers see the Kafka error name.
        if (!isRetriable(err) || attempt === this.maxAttempts) throw err;
        lastError = err;
        await sleep(backoffMs);
        backoffMs = Math.min(maxBackoffMs, backoffMs * 2);
        if (needsMetadataRefresh(err)) await this.refreshMetadata().catch(() => undefined);
      }
    }
    throw lastError;
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(pending.map((p) => p.then((c) => c.close()).catch(() => undefined)));
  }

  private connectionAt(target: HostPort): Promise<BrokerConnection> {
    if (this.closed) return Promise.reject(new ClientError("CLIENT_CLOSED", "client is closed"));
    const key = `${target.host}:${target.port}`;
    const existing = this.connections.get(key);
    if (existing) {
      return existing.then(
        (conn) => (conn.isClosed ? this.reconnect(key, target) : conn),
        () => this.reconnect(key, target),
      );
    }
    return this.reconnect(key, target);
  }

  private reconnect(key: string, target: HostPort): Promise<BrokerConnection> {
    const pending = BrokerConnection.open({
      host: target.host,
      port: target.port,
      clientId: this.options.clientId,
      connectTimeoutMs: this.options.connectTimeoutMs,
      requestTimeoutMs: this.options.requestTimeoutMs,
      maxInFlightRequests: this.options.maxInFlightRequests,
    });
    this.connections.set(key, pending);
    pending.catch(() => {
      if (this.connections.get(key) === pending) this.connections.delete(key);
    });
    return pending;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
