import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The broker's Prometheus metrics. Names follow what the Strimzi/JMX exporter
 * produces for Kafka, so existing dashboards find them. One registry per
 * broker, so several brokers can share a process (tests).
 */
export class BrokerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "kafka_network_requestmetrics_requests_total",
    help: "Requests received, by API name and version",
    labelNames: ["request", "version"] as const,
    registers: [this.registry],
  });
  readonly requestLatency = new Histogram({
    name: "kafka_network_requestmetrics_totaltimems",
    help: "Time from reading a request to queuing its response, in milliseconds",
    labelNames: ["request"] as const,
    buckets: [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000],
    registers: [this.registry],
  });
  /** The same time in seconds, as Prometheus conventions want it (the milliseconds one keeps the exporter's name). */
  readonly requestSeconds = new Histogram({
    name: "kafka_network_requestmetrics_totaltime_seconds",
    help: "Time from reading a request to queuing its response, in seconds",
    labelNames: ["request"] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly requestErrors = new Counter({
    name: "kafka_network_requestmetrics_errors_total",
    help: "Error codes returned, by API name and error",
    labelNames: ["request", "error"] as const,
    registers: [this.registry],
  });
  readonly messagesIn = new Counter({
    name: "kafka_server_brokertopicmetrics_messagesin_total",
    help: "Records appended, by topic",
    labelNames: ["topic"] as const,
    registers: [this.registry],
  });
  readonly bytesIn = new Counter({
    name: "kafka_server_brokertopicmetrics_bytesin_total",
    help: "Record batch bytes appended, by topic",
    labelNames: ["topic"] as const,
    registers: [this.registry],
  });
  readonly bytesOut = new Counter({
    name: "kafka_server_brokertopicmetrics_bytesout_total",
    help: "Record batch bytes served to consumers, by topic",
    labelNames: ["topic"] as const,
    registers: [this.registry],
  });
  readonly failedProduceRequests = new Counter({
    name: "kafka_server_brokertopicmetrics_failedproducerequests_total",
    help: "Partition produce requests that failed, by topic",
    labelNames: ["topic"] as const,
    registers: [this.registry],
  });
  readonly failedFetchRequests = new Counter({
    name: "kafka_server_brokertopicmetrics_failedfetchrequests_total",
    help: "Partition fetch requests that failed, by topic",
    labelNames: ["topic"] as const,
    registers: [this.registry],
  });
  readonly networkBytesIn = new Counter({
    name: "kafka_server_socket_bytes_received_total",
    help: "Bytes read from client sockets",
    registers: [this.registry],
  });
  readonly networkBytesOut = new Counter({
    name: "kafka_server_socket_bytes_sent_total",
    help: "Bytes written to client sockets",
    registers: [this.registry],
  });
  readonly connections = new Gauge({
    name: "kafka_server_socketservermetrics_connection_count",
    help: "Open client connections, by listener",
    labelNames: ["listener"] as const,
    registers: [this.registry],
  });
  readonly connectionsClosedForBadInput = new Counter({
    name: "samsa_network_connections_closed_bad_input_total",
    help: "Connections closed because they sent bytes that are not a Kafka request",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly partitions = new Gauge({
    name: "kafka_server_replicamanager_partitioncount",
    help: "Partitions hosted by this broker",
    registers: [this.registry],
  });
  readonly leaders = new Gauge({
    name: "kafka_server_replicamanager_leadercount",
    help: "Partitions this broker leads",
    registers: [this.registry],
  });

  private readonly requestQueues: (() => number)[] = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const queues = this.requestQueues;
    new Gauge({
      name: "kafka_network_requestchannel_requestqueuesize",
      help: "Requests read from client connections and not answered yet, across listeners",
      registers: [this.registry],
      collect() {
        let n = 0;
        for (const read of queues) n += read();
        this.set(n);
      },
    });
  }

  /** Adds a listener's count of requests read but not yet answered to the request-queue gauge. */
  addRequestQueue(read: () => number): void {
    this.requestQueues.push(read);
  }
}

/** Serves `GET /metrics` on its own HTTP port. */
export async function startMetricsServer(metrics: BrokerMetrics, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method === "GET" && (req.url === "/metrics" || req.url?.startsWith("/metrics?"))) {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { "content-type": metrics.registry.contentType });
          res.end(text);
        },
        (err: Error) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(err.message);
        },
      );
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found; metrics are at /metrics\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
