import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { ListenerAddress } from "../config/listeners.js";
import { ApiKey } from "@samsa/protocol";
import { ReadBufferPool } from "@samsa/storage";
import { Connection, type ConnectionObserver, type RequestDispatcher } from "./connection.js";
import type { FrameBuffers } from "./frame-reader.js";

/** Capacity of a pooled request frame: a produce request of the clients' default max.request.size (1 MiB) plus headers. */
const POOLED_FRAME_BYTES = 1280 * 1024;
/** Free frame buffers kept per listener; more in flight at once are allocated and left to the GC. */
const MAX_FREE_FRAME_BUFFERS = 16;
/** Smaller frames come from Node's own small-buffer pool. */
const MIN_POOLED_FRAME_BYTES = 64 * 1024;

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
  /**
   * Produce frames only: the handler answers after the log wrote the records
   * (and nothing else keeps them), while other APIs' decoded fields may be
   * views kept longer (group metadata, for one).
   */
  private readonly frameBuffers: FrameBuffers = {
    pool: new ReadBufferPool(POOLED_FRAME_BYTES, MAX_FREE_FRAME_BUFFERS, MIN_POOLED_FRAME_BYTES),
    apiKeys: new Set([ApiKey.Produce]),
  };

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
      frameBuffers: this.frameBuffers,
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
