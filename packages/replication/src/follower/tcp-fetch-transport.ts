import { createConnection, type Socket } from "node:net";
import { ApiKey, decodeResponseFrame, encodeRequestFrame, type FetchRequest, type FetchResponse } from "@samsa/protocol";
import { REPLICA_FETCH_VERSION, type FetchTransport } from "./fetch-transport.js";

const SIZE_PREFIX_BYTES = 4;
/** Bytes one socket read may deliver; larger than Node's default 64 KiB so a 1 MiB response takes fewer reads. */
const SOCKET_READ_BUFFER_BYTES = 256 * 1024;

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
 * the socket and rejects; the next fetch reconnects.
 *
 * Receiving allocates nothing in steady state: socket reads land in one
 * fixed buffer and each response is copied once into a frame buffer that the
 * next response reuses. Record bytes are that buffer's subarrays all the way
 * to the follower's log, so they are valid until the next `fetch` call.
 */
export class TcpFetchTransport implements FetchTransport {
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private connectingSocket: Socket | undefined;
  private correlationId = 0;
  private inFlight: { resolve: (frame: Buffer) => void; reject: (err: Error) => void } | undefined;
  /** Every socket read lands here (Node's `onread`), so reads allocate nothing. */
  private readonly readBuffer = Buffer.allocUnsafe(SOCKET_READ_BUFFER_BYTES);
  /** The size prefix of the frame being received, collected across reads. */
  private readonly prefix = Buffer.allocUnsafe(SIZE_PREFIX_BYTES);
  private prefixBytes = 0;
  /**
   * The frame being received (without its prefix) is assembled here; reused
   * for the next response, so a response's record views are valid only until
   * the next `fetch` (see FetchTransport). Grows to the largest frame seen.
   */
  private frameBuffer: Buffer = Buffer.alloc(0);
  /** Size of the frame being received (without its prefix), -1 before its prefix arrived. */
  private frameBytes = -1;
  private frameFilled = 0;
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
      const socket = createConnection({
        host: this.options.host,
        port: this.options.port,
        noDelay: true,
        onread: {
          buffer: this.readBuffer,
          // Events of a socket already replaced by a newer one are ignored.
          callback: (bytes: number, buffer: Uint8Array) => {
            if (this.socket === socket) this.onData(buffer as Buffer, bytes);
            return true;
          },
        },
      });
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
      const failed = (err: Error) => {
        if (this.socket === socket) this.drop(err);
        else if (this.connectingSocket === socket) {
          this.connecting = undefined;
          this.connectingSocket = undefined;
          reject(err);
        }
        socket.destroy();
      };
      socket.on("error", failed);
      socket.on("close", () => failed(new FetchTransportError("connection closed")));
    });
    return this.connecting;
  }

  /** `bytes` bytes arrived at the start of `data` (the shared read buffer, overwritten by the next read). */
  private onData(data: Buffer, bytes: number): void {
    let at = 0;
    while (at < bytes) {
      if (this.frameBytes < 0) {
        const n = Math.min(SIZE_PREFIX_BYTES - this.prefixBytes, bytes - at);
        data.copy(this.prefix, this.prefixBytes, at, at + n);
        this.prefixBytes += n;
        at += n;
        if (this.prefixBytes < SIZE_PREFIX_BYTES) return;
        if (!this.startFrame(this.prefix.readInt32BE(0))) return;
      }
      const n = Math.min(this.frameBytes - this.frameFilled, bytes - at);
      data.copy(this.frameBuffer, this.frameFilled, at, at + n);
      this.frameFilled += n;
      at += n;
      if (this.frameFilled < this.frameBytes) return;
      if (at < bytes) {
        // One request in flight, so nothing may follow its response.
        this.drop(new FetchTransportError("unexpected bytes after a response"));
        return;
      }
      this.finishFrame();
    }
  }

  /** Checks a frame's size and makes room for it; false when the connection was dropped. */
  private startFrame(size: number): boolean {
    if (size < 0 || size > this.options.maxResponseBytes) {
      this.drop(new FetchTransportError(`response of ${size} bytes is larger than maxResponseBytes ${this.options.maxResponseBytes}`));
      return false;
    }
    if (!this.inFlight) {
      this.drop(new FetchTransportError("response without a request"));
      return false;
    }
    if (this.frameBuffer.length < size) {
      // Doubling keeps the number of reallocations logarithmic while responses grow.
      this.frameBuffer = Buffer.allocUnsafe(Math.min(this.options.maxResponseBytes, Math.max(size, 2 * this.frameBuffer.length)));
    }
    this.frameBytes = size;
    this.frameFilled = 0;
    return true;
  }

  private finishFrame(): void {
    const frame = this.frameBuffer.subarray(0, this.frameBytes);
    this.resetFrame();
    const waiter = this.inFlight;
    this.inFlight = undefined;
    waiter?.resolve(frame);
  }

  private resetFrame(): void {
    this.prefixBytes = 0;
    this.frameBytes = -1;
    this.frameFilled = 0;
  }

  private drop(err: Error): void {
    const socket = this.socket;
    this.socket = undefined;
    this.resetFrame();
    socket?.destroy();
    const waiter = this.inFlight;
    this.inFlight = undefined;
    waiter?.reject(err);
  }
}
