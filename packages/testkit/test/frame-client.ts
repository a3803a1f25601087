import { connect, createServer, type Server, type Socket } from "node:net";
import { FrameSplitter, readRequestHeaderPrefix } from "../src/frame-splitter.js";

/** A request frame: length, api key, version 0, correlation id, then `payload`. */
export function requestFrame(apiKey: number, correlationId: number, payload: Buffer): Buffer {
  const frame = Buffer.alloc(4 + 8 + payload.length);
  frame.writeInt32BE(8 + payload.length, 0);
  frame.writeInt16BE(apiKey, 4);
  frame.writeInt16BE(0, 6);
  frame.writeInt32BE(correlationId, 8);
  payload.copy(frame, 12);
  return frame;
}

export interface FakeBroker {
  server: Server;
  port: number;
  /** Requests received, in order. */
  requests: Array<{ apiKey: number; correlationId: number; payload: Buffer }>;
  sockets: Set<Socket>;
  close(): Promise<void>;
}

/** Answers every request frame with a response frame: correlation id, then the request payload. */
export async function startFakeBroker(): Promise<FakeBroker> {
  const requests: FakeBroker["requests"] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    const splitter = new FrameSplitter(1024 * 1024);
    socket.on("data", (chunk: Buffer) => {
      for (const frame of splitter.push(chunk)) {
        const header = readRequestHeaderPrefix(frame)!;
        const payload = Buffer.from(frame.subarray(12));
        requests.push({ apiKey: header.apiKey, correlationId: header.correlationId, payload });
        const response = Buffer.alloc(8 + payload.length);
        response.writeInt32BE(4 + payload.length, 0);
        response.writeInt32BE(header.correlationId, 4);
        payload.copy(response, 8);
        socket.write(response);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  return {
    server,
    port: address.port,
    requests,
    sockets,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface FrameClient {
  socket: Socket;
  /** Responses by correlation id: the payload after the correlation id. */
  responses: Map<number, Buffer>;
  closed: Promise<void>;
  send(frame: Buffer): void;
  /** Resolves with the response payload, or rejects after `timeoutMs`. */
  waitFor(correlationId: number, timeoutMs: number): Promise<Buffer>;
}

export async function connectFrameClient(port: number): Promise<FrameClient> {
  const socket = connect({ host: "127.0.0.1", port });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.on("error", () => undefined);
  const responses = new Map<number, Buffer>();
  const waiters = new Map<number, (payload: Buffer) => void>();
  const splitter = new FrameSplitter(1024 * 1024);
  socket.on("data", (chunk: Buffer) => {
    for (const frame of splitter.push(chunk)) {
      const correlationId = frame.readInt32BE(4);
      const payload = Buffer.from(frame.subarray(8));
      responses.set(correlationId, payload);
      waiters.get(correlationId)?.(payload);
    }
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return {
    socket,
    responses,
    closed,
    send: (frame) => void socket.write(frame),
    waitFor: (correlationId, timeoutMs) =>
      new Promise<Buffer>((resolve, reject) => {
        const ready = responses.get(correlationId);
        if (ready !== undefined) return resolve(ready);
        const timer = setTimeout(() => {
          waiters.delete(correlationId);
          reject(new Error(`no response for correlation id ${correlationId} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.set(correlationId, (payload) => {
          clearTimeout(timer);
          waiters.delete(correlationId);
          resolve(payload);
        });
      }),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
