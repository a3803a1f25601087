import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BadFrameError, FrameReader, KafkaServer, silentLogger, type RequestDispatcher } from "@samsa/broker";

const noopObserver = { bytesIn() {}, bytesOut() {}, badInput() {}, connectionsChanged() {} };

function frame(body: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(body.length);
  return Buffer.concat([prefix, body]);
}

/** A request-shaped body: 8 header bytes carrying `n` in the correlation-id slot. */
function body(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeInt32BE(n, 4);
  return b;
}

async function startServer(dispatcher: RequestDispatcher, opts: { maxFrameBytes?: number; maxInFlight?: number } = {}) {
  const server = new KafkaServer(dispatcher, {
    listener: { name: "PLAINTEXT", host: "127.0.0.1", port: 0, securityProtocol: "PLAINTEXT" },
    maxFrameBytes: opts.maxFrameBytes ?? 1024,
    maxInFlightRequests: opts.maxInFlight ?? 100,
    idleTimeoutMs: 60_000,
    listenBacklog: 16,
    logger: silentLogger(),
    observer: noopObserver,
  });
  await server.listen();
  return server;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

/** Collects `count` response frames (their correlation slot) or resolves early on close. */
function readResponses(socket: Socket, count: number, timeoutMs = 5000): Promise<{ ids: number[]; closed: boolean }> {
  return new Promise((resolve) => {
    const reader = new FrameReader(1 << 20);
    const ids: number[] = [];
    const timer = setTimeout(() => resolve({ ids, closed: false }), timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      for (const f of reader.push(chunk)) ids.push(f.readInt32BE(4));
      if (ids.length >= count) {
        clearTimeout(timer);
        resolve({ ids, closed: false });
      }
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ ids, closed: true });
    });
  });
}

const echoAfterDelay: RequestDispatcher = {
  async handle(f) {
    const n = f.readInt32BE(4);
    // later requests finish first, so ordering must come from the connection
    await new Promise((r) => setTimeout(r, Math.max(0, 50 - n * 5)));
    return [Buffer.from(f)];
  },
};

let servers: KafkaServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close(1000)));
  servers = [];
});

describe("FrameReader", () => {
  it("reassembles frames split across chunks and joined in chunks", () => {
    const reader = new FrameReader(100);
    const bytes = Buffer.concat([frame(body(1)), frame(body(2)), frame(body(3))]);
    const got: number[] = [];
    for (let i = 0; i < bytes.length; i += 5) for (const f of reader.push(bytes.subarray(i, i + 5))) got.push(f.readInt32BE(4));
    expect(got).toEqual([1, 2, 3]);
    expect(reader.pendingBytes).toBe(0);
  });

  it("joins frames of the pooled APIs into pooled buffers and hands out their release once", () => {
    const acquired: number[] = [];
    const released: number[] = [];
    const reader = new FrameReader(1 << 20, {
      pool: {
        acquire(length) {
          acquired.push(length);
          return { buffer: Buffer.alloc(length), release: () => released.push(length) };
        },
      },
      apiKeys: new Set([0]),
    });
    const produce = Buffer.alloc(300);
    produce.writeInt16BE(0, 0);
    produce.fill(7, 8);
    const other = Buffer.alloc(200);
    other.writeInt16BE(1, 0);
    const bytes = Buffer.concat([frame(produce), frame(other), frame(body(3))]);
    const frames: Buffer[] = [];
    // Split inside every frame, so each must be joined.
    for (let at = 0; at < bytes.length; at += 50) frames.push(...reader.push(bytes.subarray(at, at + 50)));
    expect(frames.map((f) => f.length)).toEqual([300, 200, 8]);
    expect(frames[0]!.equals(produce)).toBe(true);
    expect(acquired).toEqual([300]);
    const release = reader.releaseOf(frames[0]!);
    expect(reader.releaseOf(frames[0]!)).toBeUndefined();
    expect(reader.releaseOf(frames[1]!)).toBeUndefined();
    release?.();
    expect(released).toEqual([300]);
  });

  it("rejects an oversized length prefix before the frame arrives", () => {
    const reader = new FrameReader(100);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(0x7fffffff);
    expect(() => reader.push(prefix)).toThrow(BadFrameError);
  });

  it("classifies HTTP and TLS", () => {
    expect(() => new FrameReader(1 << 30).push(Buffer.from("GET / HTTP/1.1\r\n"))).toThrow(/HTTP/);
    expect(() => new FrameReader(1 << 30).push(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]))).toThrow(/TLS/);
    expect(() => new FrameReader(1 << 30).push(Buffer.from([0, 0, 0, 2, 1, 1]))).toThrow(/smaller/);
  });
});

describe("KafkaServer", () => {
  it("answers pipelined requests in request order though handlers finish out of order", async () => {
    const server = await startServer(echoAfterDelay);
    servers.push(server);
    const s = await open(server.port);
    const responses = readResponses(s, 10);
    s.write(Buffer.concat(Array.from({ length: 10 }, (_, i) => frame(body(i)))));
    expect((await responses).ids).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    s.destroy();
  });

  it("skips requests without a response and keeps order", async () => {
    const server = await startServer({
      async handle(f) {
        const n = f.readInt32BE(4);
        return n % 2 === 0 ? null : [Buffer.from(f)];
      },
    });
    servers.push(server);
    const s = await open(server.port);
    const responses = readResponses(s, 3);
    s.write(Buffer.concat([0, 1, 2, 3, 4, 5].map((i) => frame(body(i)))));
    expect((await responses).ids).toEqual([1, 3, 5]);
    s.destroy();
  });

  it("runs at most maxInFlightRequests handlers at once per connection", async () => {
    let running = 0;
    let maxRunning = 0;
    const server = await startServer(
      {
        async handle(f) {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
          return [Buffer.from(f)];
        },
      },
      { maxInFlight: 3 },
    );
    servers.push(server);
    const s = await open(server.port);
    const responses = readResponses(s, 20);
    s.write(Buffer.concat(Array.from({ length: 20 }, (_, i) => frame(body(i)))));
    expect((await responses).ids).toHaveLength(20);
    expect(maxRunning).toBe(3);
    s.destroy();
  });

  it("closes connections that send garbage, HTTP, TLS, huge or tiny frames, and keeps serving others", async () => {
    let handled = 0;
    const server = await startServer({
      async handle(f) {
        handled++;
        return [Buffer.from(f)];
      },
    });
    servers.push(server);
    const hugePrefix = Buffer.alloc(4);
    hugePrefix.writeInt32BE(2_000_000_000);
    const bad = [
      Buffer.from("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
      Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]),
      hugePrefix,
      Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
      Buffer.from([0, 0, 0, 1, 9]),
    ];
    for (const bytes of bad) {
      const s = await open(server.port);
      const result = readResponses(s, 1, 3000);
      s.write(bytes);
      const { closed, ids } = await result;
      expect(closed, bytes.toString("hex")).toBe(true);
      expect(ids).toEqual([]);
    }
    expect(handled).toBe(0);
    const good = await open(server.port);
    const result = readResponses(good, 1);
    good.write(frame(body(42)));
    expect((await result).ids).toEqual([42]);
    good.destroy();
  });

  it("a truncated frame followed by a disconnect does not reach the handler", async () => {
    let handled = 0;
    const server = await startServer({
      async handle(f) {
        handled++;
        return [Buffer.from(f)];
      },
    });
    servers.push(server);
    const s = await open(server.port);
    s.write(frame(body(7)).subarray(0, 9));
    await new Promise((r) => setTimeout(r, 50));
    s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(handled).toBe(0);
  });

  it("closes the connection when the handler throws", async () => {
    const server = await startServer({
      async handle() {
        throw new Error("boom");
      },
    });
    servers.push(server);
    const s = await open(server.port);
    const result = readResponses(s, 1, 3000);
    s.write(frame(body(1)));
    expect((await result).closed).toBe(true);
  });

  it("releases a response's borrowed buffers once they were written, after earlier responses, and not when never written", async () => {
    const events: string[] = [];
    const server = await startServer({
      async handle(f) {
        const n = f.readInt32BE(4);
        // Request 0 finishes last, so response 1 waits in its slot until 0 is written.
        await new Promise((r) => setTimeout(r, n === 0 ? 40 : 0));
        events.push(`answered ${n}`);
        if (n === 2) return null;
        return { parts: [Buffer.from(f), Buffer.alloc(200_000, n)], release: () => events.push(`released ${n}`) };
      },
    });
    servers.push(server);
    const s = await open(server.port);
    const responses = readResponses(s, 2);
    s.write(Buffer.concat([frame(body(0)), frame(body(1)), frame(body(2))]));
    expect((await responses).ids).toEqual([0, 1]);
    await new Promise((r) => setTimeout(r, 20));
    expect(events.filter((e) => e.startsWith("released"))).toEqual(["released 0", "released 1"]);
    expect(events.indexOf("released 1")).toBeGreaterThan(events.indexOf("answered 0"));

    // A response whose connection closed before it was written keeps its buffers (the GC collects them).
    let releasedAfterClose = false;
    const slow = await startServer({
      async handle(f) {
        await new Promise((r) => setTimeout(r, 50));
        return { parts: [Buffer.from(f)], release: () => (releasedAfterClose = true) };
      },
    });
    servers.push(slow);
    const c = await open(slow.port);
    c.write(frame(body(5)));
    await new Promise((r) => setTimeout(r, 10));
    c.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect(releasedAfterClose).toBe(false);
  });

  it("close() answers in-flight requests before closing", async () => {
    const server = await startServer(echoAfterDelay);
    const s = await open(server.port);
    const responses = readResponses(s, 3);
    s.write(Buffer.concat([frame(body(0)), frame(body(1)), frame(body(2))]));
    await new Promise((r) => setTimeout(r, 10));
    await server.close(2000);
    expect((await responses).ids).toEqual([0, 1, 2]);
  });
});
