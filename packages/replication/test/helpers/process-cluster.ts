import { randomUuid } from "@samsa/protocol";
import { Admin, KafkaClient } from "@samsa/client";
import { findFreePort, startBrokerProcess, startTcpProxy, type BrokerProcess, type TcpProxy } from "@samsa/testkit";

const HOST = "127.0.0.1";

export interface ClusterNode {
  readonly id: number;
  readonly port: number;
  readonly controllerPort: number;
  readonly metricsPort: number;
  readonly process: BrokerProcess;
  /** With `replicationProxies`: the proxy every follower fetching from this broker goes through. */
  readonly replicationProxy: TcpProxy | undefined;
}

export interface ProcessClusterOptions {
  /**
   * Inter-broker traffic on its own listener (REPLICATION), advertised through a
   * TCP proxy per broker, so a test can cut followers off from one broker while
   * clients and the controller quorum still reach it.
   */
  readonly replicationProxies?: boolean;
}

/** Session and heartbeat settings short enough for failover within a test. */
export const FAST_FAILOVER_OVERRIDES = {
  "broker.session.timeout.ms": 3000,
  "broker.heartbeat.interval.ms": 500,
  "replica.lag.time.max.ms": 5000,
};

/**
 * Three combined broker+controller processes on loopback (the samsa CLI from
 * dist/, so `npx tsc -b` must have run), one quorum, RF=3 defaults.
 */
export class ProcessCluster {
  private constructor(readonly nodes: ClusterNode[]) {}

  static async start(overrides: Record<string, string | number> = {}, options: ProcessClusterOptions = {}): Promise<ProcessCluster> {
    const clusterId = randomUuid();
    const ports: Array<{ id: number; port: number; controllerPort: number; metricsPort: number }> = [];
    for (const id of [1, 2, 3]) ports.push({ id, port: await findFreePort(HOST), controllerPort: await findFreePort(HOST), metricsPort: await findFreePort(HOST) });
    const voters = ports.map((p) => `${p.id}@${HOST}:${p.controllerPort}`).join(",");
    const nodes = await Promise.all(
      ports.map(async ({ id, port, controllerPort, metricsPort }) => {
        let replicationProxy: TcpProxy | undefined;
        let listeners = `PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controllerPort}`;
        let advertised = `PLAINTEXT://${HOST}:${port}`;
        let interBroker = "PLAINTEXT";
        if (options.replicationProxies) {
          const replicationPort = await findFreePort(HOST);
          replicationProxy = await startTcpProxy({ targetPort: replicationPort, targetHost: HOST });
          listeners = `PLAINTEXT://${HOST}:${port},REPLICATION://${HOST}:${replicationPort},CONTROLLER://${HOST}:${controllerPort}`;
          advertised = `PLAINTEXT://${HOST}:${port},REPLICATION://${HOST}:${replicationProxy.port}`;
          interBroker = "REPLICATION";
        }
        const process = await startBrokerProcess({
          port,
          startTimeoutMs: 30_000,
          overrides: {
            "node.id": id,
            "process.roles": "broker,controller",
            listeners,
            "advertised.listeners": advertised,
            "inter.broker.listener.name": interBroker,
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,REPLICATION:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "controller.quorum.voters": voters,
            "cluster.id": clusterId,
            "metrics.port": metricsPort,
            "metrics.host": HOST,
            "default.replication.factor": 3,
            "min.insync.replicas": 2,
            "offsets.topic.replication.factor": 3,
            "log.level": "info",
            ...FAST_FAILOVER_OVERRIDES,
            ...overrides,
          },
        });
        return { id, port, controllerPort, metricsPort, process, replicationProxy };
      }),
    );
    const cluster = new ProcessCluster(nodes);
    await cluster.waitForBrokers(3, 30_000);
    return cluster;
  }

  /** Polls DescribeCluster until `count` brokers are registered. */
  async waitForBrokers(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    while (Date.now() < deadline) {
      const client = this.client("cluster-probe", { requestTimeoutMs: 2000, maxAttempts: 2 });
      try {
        seen = (await new Admin(client).describeCluster()).brokers.length;
        if (seen >= count) return;
      } catch {
        // The quorum may not have elected a controller yet.
      } finally {
        await client.close();
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`only ${seen} of ${count} brokers registered after ${timeoutMs} ms\n${this.logTails()}`);
  }

  /** CreateTopics, retried while brokers are still unfencing (INVALID_REPLICATION_FACTOR). */
  async createTopic(name: string, partitions: number, configs: Record<string, string>): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const client = this.client("topic-setup");
      try {
        await new Admin(client).createTopics([{ name, numPartitions: partitions, replicationFactor: 3, configs }]);
        return;
      } catch (err) {
        if ((err as { errorCode?: number }).errorCode !== 38 || Date.now() > deadline) throw err;
      } finally {
        await client.close();
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  get bootstrap(): string {
    return this.nodes.map((n) => `${HOST}:${n.port}`).join(",");
  }

  node(id: number): ClusterNode {
    return this.nodes.find((n) => n.id === id)!;
  }

  client(clientId: string, options: { requestTimeoutMs?: number; maxAttempts?: number } = {}): KafkaClient {
    return new KafkaClient({
      bootstrapServers: this.nodes.filter((n) => n.process.running).map((n) => `${HOST}:${n.port}`),
      clientId,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      connectTimeoutMs: 1000,
      maxAttempts: options.maxAttempts ?? 20,
      retryBackoffMs: 100,
      maxRetryBackoffMs: 500,
    });
  }

  /** Leaders by partition as one live broker's metadata has them (-1: none). */
  async leaders(topic: string): Promise<number[]> {
    const client = this.client("leader-probe", { requestTimeoutMs: 2000, maxAttempts: 3 });
    try {
      const [t] = await new Admin(client).describeTopics([topic]);
      return t!.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.leader);
    } finally {
      await client.close();
    }
  }

  /** Polls until every partition has a live leader; resolves with the time it took. */
  async waitForLeaders(topic: string, live: ReadonlySet<number>, timeoutMs: number): Promise<number> {
    const started = Date.now();
    let last: number[] = [];
    for (let i = 0; Date.now() - started < timeoutMs; i++) {
      try {
        last = await this.leaders(topic);
        if (last.length > 0 && last.every((l) => live.has(l))) return Date.now() - started;
      } catch {
        // A broker that just died may still be in the bootstrap list.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`partitions of ${topic} without a live leader after ${timeoutMs} ms: ${JSON.stringify(last)}`);
  }

  /** Prometheus samples of `metric` on broker `id` (label text → value). */
  async metric(id: number, metric: string): Promise<Map<string, number>> {
    const text = await (await fetch(`http://${HOST}:${this.node(id).metricsPort}/metrics`)).text();
    const out = new Map<string, number>();
    for (const line of text.split("\n")) {
      if (!line.startsWith(metric)) continue;
      const match = /^([^{\s]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
      if (match && match[1] === metric) out.set(match[2] ?? "", Number(match[3]));
    }
    return out;
  }

  logTails(): string {
    return this.nodes.map((n) => `--- node ${n.id} ---\n${n.process.logTail(80)}`).join("\n");
  }

  async dispose(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.process.dispose().catch(() => {})));
    await Promise.all(this.nodes.map((n) => n.replicationProxy?.close().catch(() => {})));
  }
}
