import { connect, type Socket } from "node:net";
import {
  decodeResponseFrame,
  encodeRequestFrame,
  readResponseCorrelationId,
  type RequestByApiKey,
  type ResponseByApiKey,
} from "@samsa/protocol";
import { FrameReader } from "@samsa/broker";

type Key = keyof RequestByApiKey & keyof ResponseByApiKey;

/** A minimal pipelining Kafka connection for tests, built on the protocol codecs. */
export class TestClient {
  private nextCorrelationId = 1;
  private readonly pending = new Map<number, { apiKey: Key; version: number; resolve: (r: unknown) => void; reject: (e: unknown) => void }>();
  private readonly reader = new FrameReader(1 << 30);
  private readonly rawWaiters = new Map<number, (frame: Buffer) => void>();
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) {
        const id = readResponseCorrelationId(frame);
        const raw = this.rawWaiters.get(id);
        if (raw) {
          this.rawWaiters.delete(id);
          raw(frame);
          continue;
        }
        const p = this.pending.get(id);
        if (!p) throw new Error(`unexpected correlation id ${id}`);
        this.pending.delete(id);
        try {
          p.resolve(decodeResponseFrame(frame, p.apiKey, p.version).response);
        } catch (err) {
          p.reject(err);
        }
      }
    });
    socket.on("close", () => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(new Error("connection closed"));
      this.pending.clear();
    });
    socket.on("error", () => undefined);
  }

  static connect(port: number): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, "127.0.0.1", () => resolve(new TestClient(s)));
      s.once("error", reject);
    });
  }

  send<K extends Key>(apiKey: K, version: number, body: RequestByApiKey[K]): Promise<ResponseByApiKey[K]> {
    const correlationId = this.nextCorrelationId++;
    const frame = encodeRequestFrame({ requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: "broker-test" }, body);
    return new Promise((resolve, reject) => {
      this.pending.set(correlationId, { apiKey, version, resolve: resolve as (r: unknown) => void, reject });
      for (const chunk of frame) this.socket.write(chunk);
    });
  }

  /** Sends without expecting a response (Produce acks=0). */
  sendNoResponse<K extends Key>(apiKey: K, version: number, body: RequestByApiKey[K]): void {
    const frame = encodeRequestFrame({ requestApiKey: apiKey, requestApiVersion: version, correlationId: this.nextCorrelationId++, clientId: "broker-test" }, body);
    for (const chunk of frame) this.socket.write(chunk);
  }

  /** Writes hand-made bytes and resolves with the response frame carrying `correlationId`. */
  sendRaw(bytes: Buffer, correlationId: number): Promise<Buffer> {
    return new Promise((resolve) => {
      this.rawWaiters.set(correlationId, resolve);
      this.socket.write(bytes);
    });
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  waitClosed(timeoutMs = 3000): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.socket.once("close", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
