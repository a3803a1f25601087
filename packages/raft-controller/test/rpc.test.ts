import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  decodeRaftMessage,
  encodeFrame,
  encodeRaftMessage,
  FrameDecoder,
  FrameTooLargeError,
  RpcClient,
  RpcConnectionError,
  RpcRemoteError,
  RpcServer,
  RpcTimeoutError,
  type RaftMessage,
} from "../src/index.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe("framing", () => {
  it("reassembles frames split across and packed into chunks", () => {
    const decoder = new FrameDecoder(1024);
    const bytes = Buffer.concat([encodeFrame(enc("hello")), encodeFrame(enc("")), encodeFrame(enc("world!"))]);
    const frames: string[] = [];
    for (let i = 0; i < bytes.length; i += 3) frames.push(...decoder.push(bytes.subarray(i, i + 3)).map((f) => dec(f)));
    expect(frames).toEqual(["hello", "", "world!"]);
  });

  it("rejects an oversized frame from its header alone, before the body arrives", () => {
    const decoder = new FrameDecoder(100);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0xffffffff);
    expect(() => decoder.push(header)).toThrow(FrameTooLargeError);
  });
});

// Decoded bytes are Buffers; compare their text so the assertion ignores the subclass.
function bytesAsText(value: unknown): unknown {
  if (value instanceof Uint8Array) return dec(value);
  if (Array.isArray(value)) return value.map(bytesAsText);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bytesAsText(v)]));
  return value;
}

describe("raft message codec", () => {
  it("round-trips every message type", () => {
    const messages: RaftMessage[] = [
      { from: 1, to: 2, correlationId: 5, body: { type: "VoteRequest", epoch: 3, candidateId: 1, lastEpoch: 2, endOffset: 2 ** 40, preVote: true } },
      { from: 2, to: 1, correlationId: 5, body: { type: "VoteResponse", error: "NONE", epoch: 3, leaderId: null, voteGranted: true, preVote: true } },
      { from: 1, to: 2, correlationId: 6, body: { type: "BeginQuorumEpochRequest", epoch: 3, leaderId: 1 } },
      { from: 2, to: 1, correlationId: 6, body: { type: "BeginQuorumEpochResponse", error: "NONE", epoch: 3, leaderId: 1 } },
      { from: 1, to: 2, correlationId: 7, body: { type: "EndQuorumEpochRequest", epoch: 3, leaderId: 1, preferredSuccessors: [2, 3] } },
      { from: 2, to: 1, correlationId: 7, body: { type: "EndQuorumEpochResponse", error: "FENCED_LEADER_EPOCH", epoch: 4, leaderId: 0 } },
      { from: 2, to: 1, correlationId: 8, body: { type: "FetchRequest", epoch: 3, replicaId: 2, fetchOffset: 10, lastFetchedEpoch: 2, maxBytes: 1000, maxWaitMs: 500 } },
      {
        from: 1,
        to: 2,
        correlationId: 8,
        body: {
          type: "FetchResponse",
          error: "NONE",
          epoch: 3,
          leaderId: 1,
          highWatermark: 9,
          logStartOffset: 0,
          entries: [
            { offset: 10, epoch: 3, kind: "leader-change", payload: enc("lc") },
            { offset: 11, epoch: 3, kind: "data", payload: enc("x") },
          ],
          divergingEpoch: null,
          snapshotId: null,
        },
      },
      { from: 1, to: 2, correlationId: 9, body: { type: "FetchResponse", error: "NONE", epoch: 3, leaderId: 1, highWatermark: 9, logStartOffset: 5, entries: [], divergingEpoch: { epoch: 2, endOffset: 7 }, snapshotId: { endOffset: 5, epoch: 1 } } },
      { from: 2, to: 1, correlationId: 10, body: { type: "FetchSnapshotRequest", epoch: 3, replicaId: 2, snapshotId: { endOffset: 5, epoch: 1 }, position: 64, maxBytes: 64 } },
      { from: 1, to: 2, correlationId: 10, body: { type: "FetchSnapshotResponse", error: "NONE", epoch: 3, leaderId: 1, snapshotId: { endOffset: 5, epoch: 1 }, sizeBytes: 100, position: 64, bytes: enc("chunk") } },
    ];
    for (const m of messages) {
      const decoded = decodeRaftMessage(encodeRaftMessage(m));
      expect(bytesAsText(decoded)).toEqual(bytesAsText(m));
    }
  });
});

describe("RPC client and server", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function startServer(port = 0): Promise<{ server: RpcServer; port: number }> {
    const server = new RpcServer({ maxFrameBytes: 1024, maxInFlightRequestsPerConnection: 8 });
    server.handle("echo", async (payload) => {
      const text = dec(payload);
      if (text.startsWith("slow")) await new Promise((r) => setTimeout(r, 100));
      if (text === "hang") await new Promise((r) => setTimeout(r, 1000));
      return enc(`echo:${text}`);
    });
    const bound = await server.listen(port, "127.0.0.1");
    cleanups.push(() => server.close());
    return { server, port: bound };
  }

  function client(port: number): RpcClient {
    const c = new RpcClient({ host: "127.0.0.1", port, maxFrameBytes: 1024, maxInFlightRequests: 8, connectTimeoutMs: 500, reconnectBackoffInitialMs: 20, reconnectBackoffMaxMs: 200 });
    cleanups.push(() => c.close());
    return c;
  }

  it("matches out-of-order answers to their requests by correlation id", async () => {
    const { port } = await startServer();
    const c = client(port);
    const [slow, fast] = await Promise.all([c.request("echo", enc("slow-1"), 1000), c.request("echo", enc("fast-2"), 1000)]);
    expect(dec(slow)).toBe("echo:slow-1");
    expect(dec(fast)).toBe("echo:fast-2");
  });

  it("times out, reports remote errors, and refuses oversized frames", async () => {
    const { port } = await startServer();
    const c = client(port);
    await expect(c.request("echo", enc("hang"), 50)).rejects.toBeInstanceOf(RpcTimeoutError);
    await expect(c.request("nope", enc(""), 500)).rejects.toBeInstanceOf(RpcRemoteError);
    // The server closes a connection whose frame header announces more than maxFrameBytes.
    await expect(c.request("echo", new Uint8Array(2000), 500)).rejects.toBeInstanceOf(RpcConnectionError);
    // A fresh connection works again afterwards.
    expect(dec(await c.request("echo", enc("again"), 500))).toBe("echo:again");
  });

  it("reconnects with backoff once the peer is back", async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const c = client(port);
    await expect(c.request("echo", enc("x"), 200)).rejects.toBeInstanceOf(RpcConnectionError);
    // During the backoff a request fails fast without dialing.
    await expect(c.request("echo", enc("x"), 200)).rejects.toThrow(/backoff/);
    await startServer(port);
    let answer: string | null = null;
    for (let i = 0; i < 50 && answer === null; i++) {
      try {
        answer = dec(await c.request("echo", enc("back"), 200));
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    expect(answer).toBe("echo:back");
  });
});
