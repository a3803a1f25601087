import net from "node:net";
import { EnvelopeConnection } from "./connection.js";

export type RpcHandler = (payload: Uint8Array) => Promise<Uint8Array>;

export interface RpcServerOptions {
  readonly maxFrameBytes: number;
  /** Requests one connection may have outstanding; more are answered with an error. */
  readonly maxInFlightRequestsPerConnection: number;
}

/** Serves length-prefixed protobuf envelopes; each request is answered with the same correlation id. */
export class RpcServer {
  private readonly server: net.Server;
  private readonly handlers = new Map<string, RpcHandler>();
  private readonly connections = new Set<EnvelopeConnection>();

  constructor(private readonly options: RpcServerOptions) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  handle(method: string, handler: RpcHandler): void {
    this.handlers.set(method, handler);
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    let inFlight = 0;
    const connection: EnvelopeConnection = new EnvelopeConnection(
      socket,
      this.options.maxFrameBytes,
      (envelope) => {
        if (envelope.isResponse) return;
        const reply = (error: string, payload: Uint8Array) =>
          connection.send({ correlationId: envelope.correlationId, isResponse: true, method: envelope.method, error, payload });
        const handler = this.handlers.get(envelope.method);
        if (!handler) return void reply(`unknown method ${envelope.method}`, new Uint8Array(0));
        if (inFlight >= this.options.maxInFlightRequestsPerConnection) return void reply("too many requests in flight", new Uint8Array(0));
        inFlight++;
        handler(envelope.payload).then(
          (payload) => reply("", payload),
          (error: unknown) => reply(error instanceof Error ? error.message : String(error), new Uint8Array(0)),
        ).finally(() => inFlight--);
      },
      () => this.connections.delete(connection),
    );
    this.connections.add(connection);
  }
}
