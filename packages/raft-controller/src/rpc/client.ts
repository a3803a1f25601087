import net from "node:net";
import { EnvelopeConnection } from "./connection.js";
import { RpcConnectionError, RpcRemoteError, RpcTimeoutError } from "./errors.js";

export interface RpcClientOptions {
  readonly host: string;
  readonly port: number;
  readonly maxFrameBytes: number;
  readonly maxInFlightRequests: number;
  readonly connectTimeoutMs: number;
  /** Reconnect backoff doubles from the initial value up to the maximum after each failed attempt. */
  readonly reconnectBackoffInitialMs: number;
  readonly reconnectBackoffMaxMs: number;
}

interface Pending {
  readonly method: string;
  readonly resolve: (payload: Uint8Array) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * One connection to a peer's controller listener. Connects on demand; after a
 * failure it waits a growing backoff before the next attempt, and requests made
 * during the backoff fail fast so the caller (the Raft core) retries on its own clock.
 */
export class RpcClient {
  private connection: EnvelopeConnection | null = null;
  private connecting: Promise<EnvelopeConnection> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private backoffMs: number;
  private retryAtMs = 0;
  private closed = false;

  constructor(private readonly options: RpcClientOptions) {
    this.backoffMs = options.reconnectBackoffInitialMs;
  }

  async request(method: string, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.pending.size >= this.options.maxInFlightRequests) throw new RpcConnectionError(`more than ${this.options.maxInFlightRequests} requests in flight`);
    const connection = await this.connect();
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId % 0x7fffffff) + 1;
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new RpcTimeoutError(method, timeoutMs));
      }, timeoutMs);
      this.pending.set(correlationId, { method, resolve, reject, timer });
      if (!connection.send({ correlationId, isResponse: false, method, error: "", payload })) {
        this.fail(correlationId, new RpcConnectionError("connection closed"));
      }
    });
  }

  close(): void {
    this.closed = true;
    this.connection?.close();
    for (const id of [...this.pending.keys()]) this.fail(id, new RpcConnectionError("client closed"));
  }

  private fail(correlationId: number, error: Error): void {
    const p = this.pending.get(correlationId);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(correlationId);
    p.reject(error);
  }

  private connect(): Promise<EnvelopeConnection> {
    if (this.closed) return Promise.reject(new RpcConnectionError("client closed"));
    if (this.connection) return Promise.resolve(this.connection);
    if (this.connecting) return this.connecting;
    if (Date.now() < this.retryAtMs) {
      return Promise.reject(new RpcConnectionError(`reconnecting to ${this.options.host}:${this.options.port} after backoff`));
    }
    this.connecting = new Promise<EnvelopeConnection>((resolve, reject) => {
      const socket = net.connect({ host: this.options.host, port: this.options.port });
      const timer = setTimeout(() => socket.destroy(new RpcConnectionError("connect timeout")), this.options.connectTimeoutMs);
      let established = false;
      const connection = new EnvelopeConnection(
        socket,
        this.options.maxFrameBytes,
        (envelope) => {
          if (!envelope.isResponse) return;
          const p = this.pending.get(envelope.correlationId);
          if (!p) return;
          clearTimeout(p.timer);
          this.pending.delete(envelope.correlationId);
          if (envelope.error) p.reject(new RpcRemoteError(p.method, envelope.error));
          else p.resolve(envelope.payload);
        },
        (error) => {
          clearTimeout(timer);
          this.connecting = null;
          if (this.connection === connection) this.connection = null;
          for (const id of [...this.pending.keys()]) this.fail(id, new RpcConnectionError(`connection lost: ${error?.message ?? "closed"}`));
          if (!established) {
            this.retryAtMs = Date.now() + this.backoffMs;
            this.backoffMs = Math.min(this.backoffMs * 2, this.options.reconnectBackoffMaxMs);
            reject(new RpcConnectionError(`cannot connect to ${this.options.host}:${this.options.port}: ${error?.message ?? "closed"}`));
          }
        },
      );
      socket.once("connect", () => {
        clearTimeout(timer);
        established = true;
        this.backoffMs = this.options.reconnectBackoffInitialMs;
        this.connection = connection;
        this.connecting = null;
        resolve(connection);
      });
    });
    return this.connecting;
  }
}
