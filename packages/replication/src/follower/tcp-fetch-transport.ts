import { createConnection, type Socket } from "node:net";
import { ApiKey, decodeResponseFrame, encodeRequestFrame, type FetchRequest, type FetchResponse } from "@samsa/protocol";
import { REPLICA_FETCH_VERSION, type FetchTransport } from "./fetch-transport.js";

const SIZE_PREFIX_BYTES = 4;

export class FetchTransportError extends Error {
  readonly code = "FETCH_TRANSPORT_ERROR";
  override name = "FetchTransportError";
}

export interface TcpFetchTransportOptions {
  readonly host: string;
  readonly port: number;
  readonly clientId: string;
  /** Larger answers close the connection (checked before buffering them). */
  readonly maxResponseBytes: number;
}

/**
 * A lean Kafka connection for one replica fetcher: Fetch v12 only, one request
 * in flight, connected lazily. Any failure (timeout, close, bad frame) drops
 * the socket and rejects; the next fetch reconnects. Record bytes stay the
 * received buffer's subarrays all the way to the follower's log.
 */
export class TcpFetchTransport implements FetchTransport {
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private connectingSocket: Socket | undefined;
  private correlationId = 0;
  private inFlight: { resolve: (frame: Buffer) => void; reject: (err: Error) => void } | undefined;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being received including its prefix, -1 before its prefix arrived. */
  private expectedBytes = -1;
  private closed = false;

  constructor(private readonly options: TcpFetchTransportOptions) {}

  async fetch(request: FetchRequest, timeoutMs: number): Promise<FetchResponse> {
    if (this.closed) throw new FetchTransportError("transport closed");
    if (this.inFlight) throw new FetchTransportError("a fetch is already in flight");
    const correlationId = (this.correlationId = (this.correlationId + 1) & 0x7fffffff);
    const frame = this.exchange(request, correlationId);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new FetchTransportError(`fetch timed out after ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
    });
    try {
      const bytes = await Promise.race([frame, deadline]);
      const decoded = decodeResponseFrame(bytes, ApiKey.Fetch, REPLICA_FETCH_VERSION);
      if (decoded.correlationId !== correlationId) throw new FetchTransportError(`correlation id ${decoded.correlationId}, expected ${correlationId}`);
      return decoded.response;
    } catch (err) {
      this.drop(err instanceof Error ? err : new FetchTransportError(String(err)));
      frame.catch(() => {}); // already reported through the race
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.closed = true;
    this.connectingSocket?.destroy();
    this.drop(new FetchTransportError("transport closed"));
  }

  private async exchange(request: FetchRequest, correlationId: number): Promise<Buffer> {
    const socket = await this.connect();
    const chunks = encodeRequestFrame(
      { requestApiKey: ApiKey.Fetch, requestApiVersion: REPLICA_FETCH_VERSION, correlationId, clientId: this.options.clientId },
      request,
    );
    return new Promise<Buffer>((resolve, reject) => {
      this.inFlight = { resolve, reject };
      for (const c of chunks) socket.write(c);
    });
  }

  private connect(): Promise<Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      const socket = createConnection({ host: this.options.host, port: this.options.port, noDelay: true });
      this.connectingSocket = socket;
      socket.once("connect", () => {
        this.connecting = undefined;
        this.connectingSocket = undefined;
        if (this.closed) {
          socket.destroy();
          reject(new FetchTransportError("transport closed"));
          return;
        }
        this.socket = socket;
        resolve(socket);
      });
      // Events of a socket already replaced by a newer one are ignored.
      const failed = (err: Error) => {
        if (this.socket === socket) this.drop(err);
        else if (this.connectingSocket === socket) {
          this.connecting = undefined;
          this.connectingSocket = undefined;
          reject(err);
        }
        socket.destroy();
      };
      socket.on("data", (data: Buffer) => {
        if (this.socket === socket) this.onData(data);
      });
      socket.on("error", failed);
      socket.on("close", () => failed(new FetchTransportError("connection closed")));
    });
    return this.connecting;
  }

  private onData(data: Buffer): void {
    this.chunks.push(data);
    this.buffered += data.length;
    if (this.expectedBytes < 0) {
      if (this.buffered < SIZE_PREFIX_BYTES) return;
      const head = this.chunks[0]!.length >= SIZE_PREFIX_BYTES ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      const size = head.readInt32BE(0);
      if (size < 0 || size > this.options.maxResponseBytes) {
        this.drop(new FetchTransportError(`response of ${size} bytes is larger than maxResponseBytes ${this.options.maxResponseBytes}`));
        return;
      }
      this.expectedBytes = SIZE_PREFIX_BYTES + size;
    }
    if (this.buffered < this.expectedBytes) return;
    if (this.buffered > this.expectedBytes) {
      this.drop(new FetchTransportError("unexpected bytes after a response"));
      return;
    }
    // One copy per response at most (none when it arrived in one chunk).
    const whole = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    this.expectedBytes = -1;
    const waiter = this.inFlight;
    this.inFlight = undefined;
    if (!waiter) {
      this.drop(new FetchTransportError("response without a request"));
      return;
    }
    waiter.resolve(whole.subarray(SIZE_PREFIX_BYTES));
  }

  private drop(err: Error): void {
    const socket = this.socket;
    this.socket = undefined;
    this.chunks = [];
    this.buffered = 0;
    this.expectedBytes = -1;
    socket?.destroy();
    const waiter = this.inFlight;
    this.inFlight = undefined;
    waiter?.reject(err);
  }
}
