import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { ListenerAddress } from "../config/listeners.js";
import { Connection, type ConnectionObserver, type RequestDispatcher } from "./connection.js";

export interface KafkaServerOptions {
  listener: ListenerAddress;
  maxFrameBytes: number;
  maxInFlightRequests: number;
  idleTimeoutMs: number;
  listenBacklog: number;
  logger: Logger;
  observer: ConnectionObserver & { connectionsChanged(open: number): void };
}

/** Accepts Kafka client connections on one listener. */
export class KafkaServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private boundPort = -1;

  constructor(
    private readonly dispatcher: RequestDispatcher,
    private readonly options: KafkaServerOptions,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  get port(): number {
    return this.boundPort;
  }

  /** Requests read but not yet answered, across this listener's connections. */
  get pendingRequests(): number {
    let n = 0;
    for (const c of this.connections) n += c.pendingRequests;
    return n;
  }

  async listen(): Promise<number> {
    const { host, port } = this.options.listener;
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host: host === "" ? undefined : host, port, backlog: this.options.listenBacklog }, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
    this.server.on("error", (err) => this.options.logger.error({ err }, "listener error"));
    return this.boundPort;
  }

  private accept(socket: Socket): void {
    const connection = new Connection(socket, this.dispatcher, {
      maxFrameBytes: this.options.maxFrameBytes,
      maxInFlightRequests: this.options.maxInFlightRequests,
      idleTimeoutMs: this.options.idleTimeoutMs,
      listenerName: this.options.listener.name,
      logger: this.options.logger,
      observer: this.options.observer,
    });
    this.connections.add(connection);
    this.options.observer.connectionsChanged(this.connections.size);
    socket.once("close", () => {
      this.connections.delete(connection);
      this.options.observer.connectionsChanged(this.connections.size);
    });
  }

  /** Stops accepting, lets each connection answer what it has read, then closes it. */
  async close(drainTimeoutMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.connections].map((c) => c.shutdown(drainTimeoutMs)));
    await closed;
  }
}
