import net from "node:net";
import { decodeResponseHeader, encodeRequestHeader, Reader, Writer } from "@samsa/protocol";
import {
  ClientError,
  ConnectionClosedError,
  ConnectionError,
  RequestTimeoutError,
} from "./errors.js";
import { DirectFrameReader } from "./direct-frame-reader.js";

export interface ConnectionOptions {
  host: string;
  port: number;
  clientId?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Requests written but not yet answered; further sends wait for a slot. */
  maxInFlightRequests?: number;
  /** Largest response frame accepted; guards against a corrupt size prefix. */
  maxFrameBytes?: number;
}

/** One request as the connection sees it: an encoded body plus how to read the answer. */
export interface RawRequest<T> {
  apiKey: number;
  apiVersion: number;
  /** Flexible versions use request header v2 and (except ApiVersions) response header v1. */
  flexible: boolean;
  /** Body bytes, possibly in pieces (a produce request's batches are written as-is). */
  body: Buffer | readonly Buffer[];
  /** False for produce with acks=0: the broker sends nothing back. */
  expectResponse?: boolean;
  /** Decodes the response body (after the response header). */
  decode(body: Buffer): T;
  /** Per-request override, e.g. a fetch's long-poll wait plus margin. */
  timeoutMs?: number;
}

interface InFlight {
  apiKey: number;
  responseHeaderFlexible: boolean;
  decode(body: Buffer): unknown;
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

const DEFAULTS = {
  clientId: "samsa-client",
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxInFlightRequests: 16,
  maxFrameBytes: 256 * 1024 * 1024,
};

const API_VERSIONS_KEY = 18;
const MAX_CORRELATION_ID = 0x7fffffff;

/**
 * A TCP connection to one broker: pipelined requests matched to responses by
 * correlation id, a bound on requests in flight, a timeout per request.
 */
export class Connection {
  readonly host: string;
  readonly port: number;
  private readonly clientId: string;
  private readonly requestTimeoutMs: number;
  private readonly maxInFlightRequests: number;
  private readonly inFlight = new Map<number, InFlight>();
  /** Sends waiting for an in-flight slot, oldest first. */
  private readonly slotWaiters: Array<{ grant(): void; reject(err: Error): void }> = [];
  private slotsInUse = 0;
  private nextCorrelationId = 1;
  private closedWith: Error | null = null;
  private readonly closeListeners: Array<(err: Error) => void> = [];

  private constructor(
    private readonly socket: net.Socket,
    reads: ReadRouter,
    options: ConnectionOptions,
  ) {
    this.host = options.host;
    this.port = options.port;
    this.clientId = options.clientId ?? DEFAULTS.clientId;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
    this.maxInFlightRequests = options.maxInFlightRequests ?? DEFAULTS.maxInFlightRequests;
    if (!(this.maxInFlightRequests >= 1)) throw new RangeError("maxInFlightRequests must be >= 1");
    reads.onFrame = (frame) => this.onFrame(frame);
    reads.onBadInput = (err) => {
      this.fail(err);
      this.socket.destroy();
    };
    socket.setNoDelay(true);
    socket.on("error", (err) => this.fail(new ConnectionError(`${this.address}: ${err.message}`, { cause: err })));
    socket.on("close", () => this.fail(new ConnectionClosedError(`${this.address}: connection closed by peer`)));
  }

  static connect(options: ConnectionOptions): Promise<Connection> {
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
    return new Promise((resolve, reject) => {
      const reads = new ReadRouter(options.maxFrameBytes ?? DEFAULTS.maxFrameBytes);
      const socket = net.connect({ host: options.host, port: options.port, onread: reads.onread });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ConnectionError(`${options.host}:${options.port}: connect timed out after ${connectTimeoutMs} ms`));
      }, connectTimeoutMs);
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(new ConnectionError(`${options.host}:${options.port}: ${err.message}`, { cause: err }));
      });
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(new Connection(socket, reads, options));
      });
    });
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get isClosed(): boolean {
    return this.closedWith !== null;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  onClose(listener: (err: Error) => void): void {
    this.closeListeners.push(listener);
  }

  async send<T>(request: RawRequest<T>): Promise<T> {
    await this.acquireSlot();
    if (this.closedWith) throw this.closedWith;
    const correlationId = this.takeCorrelationId();
    // Size prefix and header share one small buffer; body chunks follow untouched.
    const head = new Writer(64);
    const size = head.reserveInt32();
    encodeRequestHeader(
      head,
      { requestApiKey: request.apiKey, requestApiVersion: request.apiVersion, correlationId, clientId: this.clientId },
      request.flexible ? 2 : 1,
    );
    const pieces = Buffer.isBuffer(request.body) ? [request.body] : request.body;
    let bodyBytes = 0;
    for (const p of pieces) bodyBytes += p.length;
    head.fillInt32(size, head.byteLength - 4 + bodyBytes);

    const expectResponse = request.expectResponse ?? true;
    const response = expectResponse ? this.register<T>(correlationId, request) : null;
    this.socket.cork();
    for (const h of head.toChunks()) this.socket.write(h);
    for (const p of pieces) this.socket.write(p);
    this.socket.uncork();
    if (response) return response;
    this.releaseSlot();
    return request.decode(Buffer.alloc(0));
  }

  /** Closes the socket; pending requests fail with ConnectionClosedError. */
  close(): Promise<void> {
    if (this.closedWith && this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.fail(new ConnectionClosedError(`${this.address}: connection closed by client`));
      this.socket.end();
      // A peer that never acknowledges the FIN must not hold close() open.
      setTimeout(() => this.socket.destroy(), 1_000).unref();
    });
  }

  private register<T>(correlationId: number, request: RawRequest<T>): Promise<T> {
    const timeoutMs = request.timeoutMs ?? this.requestTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The late response, if any, is dropped when it arrives: its id is gone.
        if (this.inFlight.delete(correlationId)) {
          this.releaseSlot();
          reject(new RequestTimeoutError(request.apiKey, timeoutMs));
        }
      }, timeoutMs);
      this.inFlight.set(correlationId, {
        apiKey: request.apiKey,
        // ApiVersions always answers with header v0 so that any client can read it.
        responseHeaderFlexible: request.flexible && request.apiKey !== API_VERSIONS_KEY,
        decode: request.decode,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer,
      });
    });
  }

  private onFrame(frame: Buffer): void {
    if (frame.length < 4) {
      this.fail(new ClientError("MALFORMED_RESPONSE", `${this.address}: response frame of ${frame.length} bytes`));
      this.socket.destroy();
      return;
    }
    const correlationId = frame.readInt32BE(0);
    const pending = this.inFlight.get(correlationId);
    if (!pending) return; // timed out earlier
    this.inFlight.delete(correlationId);
    clearTimeout(pending.timer);
    this.releaseSlot();
    try {
      const r = new Reader(frame);
      decodeResponseHeader(r, pending.responseHeaderFlexible ? 1 : 0);
      pending.resolve(pending.decode(frame.subarray(r.pos)));
    } catch (err) {
      pending.reject(err as Error);
    }
  }

  private takeCorrelationId(): number {
    const id = this.nextCorrelationId;
    this.nextCorrelationId = id >= MAX_CORRELATION_ID ? 1 : id + 1;
    return id;
  }

  /**
   * A slot is held from the moment a send is admitted until its response
   * arrives, it times out, or (acks=0) it has been written.
   */
  private acquireSlot(): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (this.slotsInUse < this.maxInFlightRequests) {
      this.slotsInUse++;
      return Promise.resolve();
    }
    return new Promise((grant, reject) => this.slotWaiters.push({ grant, reject }));
  }

  /** Hands the slot straight to the oldest waiter, or frees it. */
  private releaseSlot(): void {
    const next = this.slotWaiters.shift();
    if (next) next.grant();
    else this.slotsInUse--;
  }

  private fail(err: Error): void {
    if (this.closedWith) return;
    this.closedWith = err;
    for (const [, pending] of this.inFlight) {
      clearTimeout(pending.timer);
      pending.reject(err);
    }
    this.inFlight.clear();
    for (const waiter of this.slotWaiters.splice(0)) waiter.reject(err);
    for (const listener of this.closeListeners) listener(err);
  }
}

/**
 * Socket reads go through `onread` into a DirectFrameReader (large response
 * frames are read in place); frames and framing errors are forwarded to the
 * Connection once it exists (no bytes arrive before the socket connects).
 */
class ReadRouter {
  onFrame: (frame: Buffer) => void = () => {
    throw new Error("frame before the connection was set up");
  };
  onBadInput: (err: Error) => void = () => undefined;
  private readonly reader: DirectFrameReader;
  readonly onread: net.OnReadOpts;

  constructor(maxFrameBytes: number) {
    this.reader = new DirectFrameReader(maxFrameBytes, (frame) => this.onFrame(frame));
    this.onread = {
      buffer: () => this.reader.nextReadBuffer(),
      callback: (n: number, buffer: Uint8Array): boolean => {
        try {
          this.reader.onRead(n, buffer as Buffer);
          return true;
        } catch (err) {
          this.onBadInput(err as Error);
          return false;
        }
      },
    };
  }
}
