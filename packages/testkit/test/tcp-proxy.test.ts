import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "../src/tcp-proxy.js";
import { connectFrameClient, requestFrame, sleep, startFakeBroker, type FakeBroker } from "./frame-client.js";

const PRODUCE = 0;
const FETCH = 1;

describe.sequential("tcp proxy", () => {
  let broker: FakeBroker;
  let proxy: TcpProxy;

  beforeEach(async () => {
    broker = await startFakeBroker();
    proxy = await startTcpProxy({ targetPort: broker.port });
  });

  afterEach(async () => {
    await proxy.close();
    await broker.close();
  });

  it("forwards frames unchanged both ways, even when they arrive one byte at a time", async () => {
    const client = await connectFrameClient(proxy.port);
    const payload = Buffer.from([0, 1, 2, 255, 254, 0x0a, 0x0d]);
    const frame = requestFrame(PRODUCE, 7, payload);
    for (const byte of frame) {
      client.send(Buffer.from([byte]));
      await sleep(1);
    }
    client.send(Buffer.concat([requestFrame(FETCH, 8, Buffer.from("a")), requestFrame(FETCH, 9, Buffer.alloc(0))]));
    expect(await client.waitFor(7, 2_000)).toEqual(payload);
    expect(await client.waitFor(8, 2_000)).toEqual(Buffer.from("a"));
    expect(await client.waitFor(9, 2_000)).toEqual(Buffer.alloc(0));
    expect(broker.requests.map((r) => [r.apiKey, r.correlationId])).toEqual([[PRODUCE, 7], [FETCH, 8], [FETCH, 9]]);
    expect(proxy.connectionCount).toBe(1);
  });

  it("delays each direction by the configured time", async () => {
    const client = await connectFrameClient(proxy.port);
    client.send(requestFrame(FETCH, 1, Buffer.from("warm")));
    await client.waitFor(1, 2_000);
    proxy.setDelay("upstream", 150);
    proxy.setDelay("downstream", 100);
    const started = Date.now();
    client.send(requestFrame(FETCH, 2, Buffer.from("slow")));
    await sleep(100);
    expect(broker.requests).toHaveLength(1);
    await client.waitFor(2, 2_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(245);
    proxy.setDelay("both", 0);
    const fastStart = Date.now();
    client.send(requestFrame(FETCH, 3, Buffer.from("fast")));
    await client.waitFor(3, 2_000);
    expect(Date.now() - fastStart).toBeLessThan(200);
  });

  it("holds traffic during a pause and releases it in order on resume", async () => {
    const client = await connectFrameClient(proxy.port);
    proxy.pause("hold");
    client.send(requestFrame(FETCH, 1, Buffer.from("one")));
    client.send(requestFrame(FETCH, 2, Buffer.from("two")));
    await sleep(150);
    expect(broker.requests).toHaveLength(0);
    expect(client.responses.size).toBe(0);
    proxy.resume();
    expect(await client.waitFor(2, 2_000)).toEqual(Buffer.from("two"));
    expect(broker.requests.map((r) => r.correlationId)).toEqual([1, 2]);
  });

  it("holds only responses when the downstream direction is paused", async () => {
    const client = await connectFrameClient(proxy.port);
    proxy.pause("hold", "downstream");
    client.send(requestFrame(PRODUCE, 1, Buffer.from("x")));
    await sleep(150);
    expect(broker.requests).toHaveLength(1);
    expect(client.responses.size).toBe(0);
    proxy.resume("downstream");
    expect(await client.waitFor(1, 2_000)).toEqual(Buffer.from("x"));
  });

  it("drops traffic during a dropping pause; the connection keeps working afterwards", async () => {
    const client = await connectFrameClient(proxy.port);
    proxy.pause("drop");
    client.send(requestFrame(FETCH, 1, Buffer.from("lost")));
    await sleep(150);
    proxy.resume();
    client.send(requestFrame(FETCH, 2, Buffer.from("kept")));
    expect(await client.waitFor(2, 2_000)).toEqual(Buffer.from("kept"));
    expect(broker.requests.map((r) => r.correlationId)).toEqual([2]);
    expect(client.responses.has(1)).toBe(false);
  });

  it("cuts one direction: requests reach the broker, responses are lost", async () => {
    const client = await connectFrameClient(proxy.port);
    proxy.cut("downstream");
    client.send(requestFrame(PRODUCE, 1, Buffer.from("applied")));
    await sleep(150);
    expect(broker.requests.map((r) => r.correlationId)).toEqual([1]);
    expect(client.responses.size).toBe(0);
    proxy.resume("downstream");
    client.send(requestFrame(PRODUCE, 2, Buffer.from("after")));
    await client.waitFor(2, 2_000);
    expect(client.responses.has(1)).toBe(false);
  });

  it("cuts only the connections of one client id; the others keep flowing", async () => {
    const withClientId = (id: string, body: string) => {
      const name = Buffer.from(id);
      const header = Buffer.alloc(2);
      header.writeInt16BE(name.length);
      return Buffer.concat([header, name, Buffer.from(body)]);
    };
    const follower2 = await connectFrameClient(proxy.port);
    const follower3 = await connectFrameClient(proxy.port);
    follower2.send(requestFrame(FETCH, 1, withClientId("replica-2", "a")));
    follower3.send(requestFrame(FETCH, 1, withClientId("replica-3", "b")));
    await follower2.waitFor(1, 2_000);
    await follower3.waitFor(1, 2_000);
    proxy.cutClient("replica-2");
    follower2.send(requestFrame(FETCH, 2, withClientId("replica-2", "lost")));
    follower3.send(requestFrame(FETCH, 2, withClientId("replica-3", "kept")));
    expect(await follower3.waitFor(2, 2_000)).toEqual(withClientId("replica-3", "kept"));
    await sleep(100);
    expect(follower2.responses.has(2)).toBe(false);
    expect(broker.requests.filter((r) => r.correlationId === 2)).toHaveLength(1);
    proxy.restoreClient("replica-2");
    follower2.send(requestFrame(FETCH, 3, withClientId("replica-2", "back")));
    expect(await follower2.waitFor(3, 2_000)).toEqual(withClientId("replica-2", "back"));
    expect(follower2.responses.has(2)).toBe(false);
  });

  it("drops the next response of a given api key only", async () => {
    const client = await connectFrameClient(proxy.port);
    const dropped = proxy.dropNextResponse(PRODUCE);
    client.send(requestFrame(FETCH, 10, Buffer.from("fetch")));
    client.send(requestFrame(PRODUCE, 11, Buffer.from("produce")));
    client.send(requestFrame(PRODUCE, 12, Buffer.from("produce again")));
    expect(await dropped).toEqual({ apiKey: PRODUCE, correlationId: 11 });
    expect(await client.waitFor(12, 2_000)).toEqual(Buffer.from("produce again"));
    expect(await client.waitFor(10, 2_000)).toEqual(Buffer.from("fetch"));
    expect(client.responses.has(11)).toBe(false);
    expect(broker.requests.map((r) => r.correlationId)).toEqual([10, 11, 12]);
  });

  it("closes the client side when the broker closes, and resets connections on demand", async () => {
    const first = await connectFrameClient(proxy.port);
    first.send(requestFrame(FETCH, 1, Buffer.alloc(0)));
    await first.waitFor(1, 2_000);
    for (const socket of broker.sockets) socket.end();
    await first.closed;

    const second = await connectFrameClient(proxy.port);
    second.send(requestFrame(FETCH, 1, Buffer.alloc(0)));
    await second.waitFor(1, 2_000);
    proxy.closeAllConnections();
    await second.closed;
    expect(proxy.connectionCount).toBe(0);
  });
});
