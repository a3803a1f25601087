import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiKey, encodeApiVersionsResponse, Writer } from "@samsa/protocol";
import { BrokerConnection, BrokerError, ClientError, KafkaClient, metadataApi, produceApi, UnsupportedVersionError } from "@samsa/client";
import { startFakeServer, type ReceivedRequest } from "./fake-server.js";
import { startTestBroker } from "./broker-harness.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function apiVersionsBody(version: number, errorCode: number, apis: Array<[number, number, number]>): Buffer {
  const w = new Writer();
  encodeApiVersionsResponse(w, { errorCode, apiKeys: apis.map(([apiKey, minVersion, maxVersion]) => ({ apiKey, minVersion, maxVersion })), throttleTimeMs: 0 }, version);
  return w.toBuffer();
}

describe("ApiVersions negotiation", () => {
  it("falls back to the broker's ApiVersions version after an UNSUPPORTED_VERSION answer in v0 layout", async () => {
    const seen: Array<[number, number]> = [];
    const server = await startFakeServer((req: ReceivedRequest) => {
      seen.push([req.apiKey, req.apiVersion]);
      if (req.apiVersion > 2) req.reply(apiVersionsBody(0, 35, [[ApiKey.ApiVersions, 0, 2]]));
      else req.reply(apiVersionsBody(req.apiVersion, 0, [[ApiKey.ApiVersions, 0, 2], [ApiKey.Metadata, 0, 7], [ApiKey.Produce, 3, 8]]));
    });
    cleanups.push(() => server.close());
    const conn = await BrokerConnection.open({ host: "127.0.0.1", port: server.port });
    cleanups.push(() => conn.close());
    expect(seen).toEqual([[ApiKey.ApiVersions, 3], [ApiKey.ApiVersions, 2]]);
    // Highest version both sides support.
    expect(conn.versionFor(metadataApi)).toBe(7);
    expect(conn.brokerVersions.get(ApiKey.Produce)).toEqual({ min: 3, max: 8 });
  });

  it("refuses an API whose version ranges do not overlap or that the broker lacks", async () => {
    const server = await startFakeServer((req) => req.reply(apiVersionsBody(req.apiVersion, 0, [[ApiKey.ApiVersions, 0, 3], [ApiKey.Metadata, 0, 0]])));
    cleanups.push(() => server.close());
    const conn = await BrokerConnection.open({ host: "127.0.0.1", port: server.port });
    cleanups.push(() => conn.close());
    expect(() => conn.versionFor(metadataApi)).toThrow(UnsupportedVersionError);
    expect(() => conn.versionFor(produceApi)).toThrow(/Produce is not supported by broker/);
    await expect(conn.call(metadataApi, { topics: null })).rejects.toThrow(/Metadata: client supports v1-12, broker .* v0-0/);
  });
});

describe("KafkaClient retries", () => {
  it("refreshes metadata and retries stale-leader errors, then gives up with the Kafka error", async () => {
    const harness = await startTestBroker();
    cleanups.push(() => harness.close());
    const client = new KafkaClient({ bootstrapServers: harness.bootstrap, maxAttempts: 3, retryBackoffMs: 1 });
    cleanups.push(() => client.close());
    const refresh = vi.spyOn(client, "refreshMetadata");

    let calls = 0;
    const result = await client.withRetries("op", async () => {
      if (++calls < 3) throw BrokerError.fromCode(6, "produce t-0");
      return "done";
    });
    expect(result).toBe("done");
    expect(calls).toBe(3);
    expect(refresh).toHaveBeenCalledTimes(2);

    calls = 0;
    const exhausted = await client.withRetries("op", async () => {
      calls++;
      throw BrokerError.fromCode(6, "produce t-0");
    }).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(exhausted).toMatchObject({ errorName: "NOT_LEADER_OR_FOLLOWER" });

    calls = 0;
    await expect(
      client.withRetries("op", async () => {
        calls++;
        throw BrokerError.fromCode(36, "create t");
      }),
    ).rejects.toMatchObject({ errorName: "TOPIC_ALREADY_EXISTS" });
    expect(calls).toBe(1);
  });

  it("tries the next bootstrap server when the first is down", async () => {
    const harness = await startTestBroker();
    cleanups.push(() => harness.close());
    const dead = await startFakeServer(() => undefined);
    const deadPort = dead.port;
    await dead.close();
    const client = new KafkaClient({ bootstrapServers: [`127.0.0.1:${deadPort}`, harness.bootstrap] });
    cleanups.push(() => client.close());
    const md = await client.refreshMetadata([]);
    expect([...md.brokers.keys()]).toEqual([harness.broker.nodeId]);

    const nobody = new KafkaClient({ bootstrapServers: `127.0.0.1:${deadPort}` });
    await expect(nobody.connect()).rejects.toBeInstanceOf(ClientError);
    await expect(nobody.connect()).rejects.toMatchObject({ code: "NO_BROKER_AVAILABLE" });
  });
});
