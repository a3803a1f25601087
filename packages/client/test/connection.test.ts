import { afterEach, describe, expect, it } from "vitest";
import { Connection, type RawRequest } from "../src/connection.js";
import { ConnectionClosedError, FrameTooLargeError, RequestTimeoutError } from "../src/errors.js";
import { FrameDecoder } from "../src/framing.js";
import { startFakeServer, type ReceivedRequest } from "./fake-server.js";

const asText = (body: Buffer) => body.toString("utf8");

function echoRequest(text: string, extra: Partial<RawRequest<string>> = {}): RawRequest<string> {
  return { apiKey: 3, apiVersion: 1, flexible: false, body: Buffer.from(text), decode: asText, ...extra };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(onRequest: (req: ReceivedRequest) => void, options: { maxInFlightRequests?: number; requestTimeoutMs?: number } = {}) {
  const server = await startFakeServer(onRequest);
  cleanups.push(() => server.close());
  const conn = await Connection.connect({ host: "127.0.0.1", port: server.port, clientId: "test-client", ...options });
  cleanups.push(() => conn.close());
  return conn;
}

describe("FrameDecoder", () => {
  it("reassembles frames fed one byte at a time and several per chunk", () => {
    const frame = (s: string) => {
      const b = Buffer.alloc(4 + s.length);
      b.writeInt32BE(s.length, 0);
      b.write(s, 4);
      return b;
    };
    const stream = Buffer.concat([frame("hello"), frame(""), frame("world!")]);
    const byteByByte = new FrameDecoder(100);
    const out: string[] = [];
    for (const byte of stream) out.push(...byteByByte.push(Buffer.from([byte])).map(asText));
    expect(out).toEqual(["hello", "", "world!"]);
    expect(new FrameDecoder(100).push(stream).map(asText)).toEqual(["hello", "", "world!"]);
  });

  it("rejects a frame larger than maxFrameBytes", () => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(1000, 0);
    expect(() => new FrameDecoder(999).push(b)).toThrow(FrameTooLargeError);
  });
});

describe("Connection", () => {
  it("writes request header v1 and matches pipelined responses by correlation id", async () => {
    const held: ReceivedRequest[] = [];
    const conn = await setup((req) => {
      held.push(req);
      if (held.length === 5) for (const r of held.reverse()) r.reply(Buffer.from(`re:${r.rest.toString()}`));
    });
    const answers = await Promise.all(["a", "b", "c", "d", "e"].map((t) => conn.send(echoRequest(t))));
    expect(answers).toEqual(["re:a", "re:b", "re:c", "re:d", "re:e"]);
    expect(held.map((r) => r.clientId)).toEqual(Array(5).fill("test-client"));
    expect(new Set(held.map((r) => r.correlationId)).size).toBe(5);
  });

  it("uses header v2 for flexible requests and skips tagged fields in response header v1", async () => {
    const conn = await setup((req) => {
      // rest = tag-section byte (0) + body
      expect(req.rest[0]).toBe(0);
      // one tagged field: tag 5, size 2, bytes "zz"
      req.reply(Buffer.from(req.rest.subarray(1)), { taggedHeader: Buffer.from([1, 5, 2, 0x7a, 0x7a]) });
    });
    expect(await conn.send(echoRequest("flex", { flexible: true }))).toBe("flex");
  });

  it("keeps ApiVersions responses on header v0 even for flexible versions", async () => {
    const conn = await setup((req) => req.reply(Buffer.from("v0")));
    expect(await conn.send(echoRequest("x", { apiKey: 18, apiVersion: 3, flexible: true }))).toBe("v0");
  });

  it("holds sends beyond maxInFlightRequests until a response frees a slot", async () => {
    const held: ReceivedRequest[] = [];
    const conn = await setup((req) => held.push(req), { maxInFlightRequests: 2 });
    const sends = ["1", "2", "3", "4"].map((t) => conn.send(echoRequest(t)));
    await waitFor(() => held.length === 2);
    await sleep(30);
    expect(held.length).toBe(2);
    held[0]!.reply(Buffer.from("one"));
    await waitFor(() => held.length === 3);
    expect(held[2]!.rest.toString()).toBe("3");
    for (const r of held.slice(1)) r.reply(Buffer.from("ok"));
    await waitFor(() => held.length === 4);
    held[3]!.reply(Buffer.from("ok"));
    expect(await Promise.all(sends)).toEqual(["one", "ok", "ok", "ok"]);
  });

  it("times out a request without an answer, drops its late answer, and stays usable", async () => {
    let first: ReceivedRequest | undefined;
    const conn = await setup((req) => {
      if (req.rest.toString() === "slow") first = req;
      else req.reply(Buffer.from("fast"));
    }, { requestTimeoutMs: 50 });
    await expect(conn.send(echoRequest("slow"))).rejects.toBeInstanceOf(RequestTimeoutError);
    first!.reply(Buffer.from("late"));
    expect(await conn.send(echoRequest("quick"))).toBe("fast");
    expect(conn.inFlightCount).toBe(0);
  });

  it("resolves requests that expect no response as soon as they are written", async () => {
    const seen: string[] = [];
    const conn = await setup((req) => seen.push(req.rest.toString()));
    expect(await conn.send(echoRequest("fire", { expectResponse: false, decode: () => "sent" }))).toBe("sent");
    await waitFor(() => seen.length === 1);
  });

  it("fails pending and later requests with ConnectionClosedError on close()", async () => {
    const conn = await setup((_req) => undefined);
    const pending = expect(conn.send(echoRequest("never"))).rejects.toBeInstanceOf(ConnectionClosedError);
    await sleep(20);
    await conn.close();
    await pending;
    await expect(conn.send(echoRequest("after"))).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it("fails pending requests when the peer closes the socket", async () => {
    const server = await startFakeServer((req, socket) => {
      if (req.rest.toString() === "bye") socket.destroy();
    });
    cleanups.push(() => server.close());
    const conn = await Connection.connect({ host: "127.0.0.1", port: server.port });
    cleanups.push(() => conn.close());
    const closed = new Promise<Error>((resolve) => conn.onClose(resolve));
    await expect(conn.send(echoRequest("bye"))).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(await closed).toBeInstanceOf(ConnectionClosedError);
    expect(conn.isClosed).toBe(true);
  });

  it("reports a refused connection as a ConnectionError", async () => {
    const server = await startFakeServer(() => undefined);
    const port = server.port;
    await server.close();
    await expect(Connection.connect({ host: "127.0.0.1", port })).rejects.toMatchObject({ code: "CONNECTION_ERROR" });
  });
});

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(condition: () => boolean, timeoutMs = 2_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(5);
  }
}
