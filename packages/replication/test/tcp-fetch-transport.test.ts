import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { ApiKey, decodeRequestFrame, encodeResponseFrame, ErrorCode, type FetchRequest, type FetchResponse } from "@samsa/protocol";
import { REPLICA_FETCH_VERSION, TcpFetchTransport } from "@samsa/replication";
import { afterEach, describe, expect, it } from "vitest";

const TIMEOUT_MS = 5_000;
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

const request: FetchRequest = {
  replicaId: 2,
  maxWaitMs: 0,
  minBytes: 1,
  maxBytes: MAX_RESPONSE_BYTES,
  isolationLevel: 0,
  sessionId: 0,
  sessionEpoch: -1,
  topics: [{ topic: "t", partitions: [{ partition: 0, currentLeaderEpoch: 0, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: 0, partitionMaxBytes: MAX_RESPONSE_BYTES }] }],
  forgottenTopicsData: [],
  rackId: "",
};

function responseWith(records: Buffer): FetchResponse {
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    sessionId: 0,
    responses: [
      {
        topic: "t",
        partitions: [{ partitionIndex: 0, errorCode: ErrorCode.NONE, highWatermark: 7, lastStableOffset: 7, logStartOffset: 0, abortedTransactions: null, preferredReadReplica: -1, records: [records] }],
      },
    ],
  };
}

/** Bytes with a recognisable pattern (they are not parsed as batches here). */
function pattern(length: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

function recordsOf(response: FetchResponse): Buffer {
  const records = response.responses[0]!.partitions[0]!.records;
  return Array.isArray(records) ? Buffer.concat(records) : (records as Buffer);
}

/** Reads request frames and answers each through `answer` (`index` counts per connection) (which writes whatever bytes it likes). */
function scriptedServer(answer: (socket: Socket, correlationId: number, index: number) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    let pending = Buffer.alloc(0);
    let index = 0;
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = pending.readInt32BE(0);
        const { header } = decodeRequestFrame(pending.subarray(4, 4 + size));
        pending = pending.subarray(4 + size);
        answer(socket, header.correlationId, index++);
      }
    });
    socket.on("error", () => {});
  });
  server.listen(0, "127.0.0.1");
  return once(server, "listening").then(() => ({ server, port: (server.address() as { port: number }).port }));
}

/** Writes `frame` in pieces of `pieceBytes`, each in its own event-loop turn, so the client sees split reads. */
async function writeInPieces(socket: Socket, frame: Buffer, pieceBytes: number): Promise<void> {
  for (let at = 0; at < frame.length; at += pieceBytes) {
    socket.write(frame.subarray(at, at + pieceBytes));
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe("TcpFetchTransport", () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  async function transportTo(answer: Parameters<typeof scriptedServer>[0], maxResponseBytes = MAX_RESPONSE_BYTES): Promise<TcpFetchTransport> {
    const { server, port } = await scriptedServer(answer);
    const transport = new TcpFetchTransport({ host: "127.0.0.1", port, clientId: "test", maxResponseBytes });
    cleanups.push(() => {
      transport.close();
      server.close();
    });
    return transport;
  }

  it("assembles responses split anywhere (even inside the size prefix) and larger than one socket read", async () => {
    const sizes = [100, 3 * 1024 * 1024, 10, 700 * 1024];
    const transport = await transportTo((socket, correlationId, index) => {
      const frame = Buffer.concat(encodeResponseFrame(correlationId, ApiKey.Fetch, REPLICA_FETCH_VERSION, responseWith(pattern(sizes[index]!, index))));
      // Odd piece sizes put piece boundaries inside the prefix and inside fields.
      void writeInPieces(socket, frame, index % 2 === 0 ? 3 : 65_537);
    });
    for (let i = 0; i < sizes.length; i++) {
      const response = await transport.fetch(request, TIMEOUT_MS);
      expect(response.responses[0]!.partitions[0]!.highWatermark).toBe(7);
      expect(recordsOf(response).equals(pattern(sizes[i]!, i))).toBe(true);
    }
  });

  it("keeps a response's records intact until the next fetch, which may reuse their memory", async () => {
    const transport = await transportTo((socket, correlationId, index) => {
      socket.write(Buffer.concat(encodeResponseFrame(correlationId, ApiKey.Fetch, REPLICA_FETCH_VERSION, responseWith(pattern(200_000 - index, index)))));
    });
    const first = await transport.fetch(request, TIMEOUT_MS);
    const firstRecords = recordsOf(first);
    // Let other I/O happen before the records are used, as an fsync would.
    await new Promise((r) => setTimeout(r, 20));
    expect(firstRecords.equals(pattern(200_000, 0))).toBe(true);
    const second = await transport.fetch(request, TIMEOUT_MS);
    expect(recordsOf(second).equals(pattern(199_999, 1))).toBe(true);
  });

  it("rejects a response larger than maxResponseBytes before buffering it, and reconnects for the next fetch", async () => {
    let answered = 0; // across connections: the transport reconnects after the refusal
    const transport = await transportTo((socket, correlationId) => {
      const records = answered++ === 0 ? pattern(64 * 1024, 1) : pattern(10, 2);
      socket.write(Buffer.concat(encodeResponseFrame(correlationId, ApiKey.Fetch, REPLICA_FETCH_VERSION, responseWith(records))));
    }, 32 * 1024);
    await expect(transport.fetch(request, TIMEOUT_MS)).rejects.toThrow(/larger than maxResponseBytes/);
    const next = await transport.fetch(request, TIMEOUT_MS);
    expect(recordsOf(next).equals(pattern(10, 2))).toBe(true);
  });

  it("drops the connection when bytes follow a response", async () => {
    const transport = await transportTo((socket, correlationId) => {
      const frame = Buffer.concat(encodeResponseFrame(correlationId, ApiKey.Fetch, REPLICA_FETCH_VERSION, responseWith(pattern(10, 3))));
      socket.write(Buffer.concat([frame, Buffer.from([0, 0])]));
    });
    await expect(transport.fetch(request, TIMEOUT_MS)).rejects.toThrow(/unexpected bytes after a response/);
  });

  it("rejects a response with another correlation id", async () => {
    const transport = await transportTo((socket, correlationId) => {
      socket.write(Buffer.concat(encodeResponseFrame(correlationId + 1, ApiKey.Fetch, REPLICA_FETCH_VERSION, responseWith(pattern(10, 4)))));
    });
    await expect(transport.fetch(request, TIMEOUT_MS)).rejects.toThrow(/correlation id/);
  });

  it("times out when no response arrives", async () => {
    const transport = await transportTo(() => {});
    await expect(transport.fetch(request, 100)).rejects.toThrow(/timed out after 100 ms/);
  });
});
