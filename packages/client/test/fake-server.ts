import net from "node:net";

export interface ReceivedRequest {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** Bytes after the v1 header fields (for flexible requests this starts with the tag byte). */
  rest: Buffer;
  reply(body: Buffer, opts?: { taggedHeader?: Buffer }): void;
}

/** A TCP server that parses Kafka request frames and lets a test decide each answer. */
export async function startFakeServer(onRequest: (req: ReceivedRequest, socket: net.Socket) => void) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    let pending = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
        pending = pending.subarray(4 + frame.length);
        const idLength = frame.readInt16BE(8);
        const req: ReceivedRequest = {
          apiKey: frame.readInt16BE(0),
          apiVersion: frame.readInt16BE(2),
          correlationId: frame.readInt32BE(4),
          clientId: idLength < 0 ? null : frame.toString("utf8", 10, 10 + idLength),
          rest: frame.subarray(10 + Math.max(0, idLength)),
          reply(body, opts) {
            const header = Buffer.alloc(4);
            header.writeInt32BE(req.correlationId, 0);
            const parts = [header, ...(opts?.taggedHeader ? [opts.taggedHeader] : []), body];
            const size = Buffer.alloc(4);
            size.writeInt32BE(parts.reduce((n, p) => n + p.length, 0), 0);
            socket.write(Buffer.concat([size, ...parts]));
          },
        };
        onRequest(req, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
