// The replica.fetch.* settings: Kafka's names, defaults and validation rules,
// and what the follower fetchers get from them.
import { ConfigError, loadBrokerConfig } from "@samsa/broker";
import { describe, expect, it } from "vitest";
import { replicaFetchSettings } from "../src/replication/replica-fetch-settings.js";

const settingsOf = (overrides: string[] = []) => replicaFetchSettings(loadBrokerConfig({ overrides }));

describe("replica fetch settings", () => {
  it("default to Kafka's values", () => {
    expect(settingsOf()).toEqual({
      numReplicaFetchers: 1,
      fetcher: { maxWaitMs: 500, minBytes: 1, maxBytes: 10_485_760, partitionMaxBytes: 1_048_576, backoffMs: 1000, requestTimeoutMs: 30_000 },
      // The response bound leaves room for one whole batch beyond the requested size.
      maxResponseBytes: 10_485_760 + 1_048_588,
    });
  });

  it("pass the configured values to the fetchers", () => {
    const s = settingsOf([
      "num.replica.fetchers=4",
      "replica.fetch.max.bytes=65536",
      "replica.fetch.response.max.bytes=262144",
      "replica.fetch.wait.max.ms=50",
      "replica.fetch.min.bytes=1024",
      "replica.fetch.backoff.ms=200",
      "replica.socket.timeout.ms=5000",
    ]);
    expect(s.numReplicaFetchers).toBe(4);
    expect(s.fetcher).toEqual({ maxWaitMs: 50, minBytes: 1024, maxBytes: 262_144, partitionMaxBytes: 65_536, backoffMs: 200, requestTimeoutMs: 5000 });
  });

  it("refuse a long poll longer than replica.lag.time.max.ms or replica.socket.timeout.ms, as Kafka does", () => {
    expect(() => settingsOf(["replica.fetch.wait.max.ms=30001"])).toThrow(ConfigError);
    expect(() => settingsOf(["replica.fetch.wait.max.ms=2000", "replica.lag.time.max.ms=1999", "replica.socket.timeout.ms=5000"])).toThrow(/replica.fetch.wait.max.ms.*replica.lag.time.max.ms/);
    expect(() => settingsOf(["replica.fetch.wait.max.ms=2000", "replica.socket.timeout.ms=1999"])).toThrow(/replica.socket.timeout.ms.*at least replica.fetch.wait.max.ms/);
    // Equal is allowed.
    expect(settingsOf(["replica.fetch.wait.max.ms=2000", "replica.lag.time.max.ms=2000", "replica.socket.timeout.ms=2000"]).fetcher.maxWaitMs).toBe(2000);
  });

  it("refuse values out of range when the config is loaded", () => {
    for (const bad of ["replica.fetch.max.bytes=-1", "replica.fetch.response.max.bytes=-1", "replica.fetch.backoff.ms=-1", "num.replica.fetchers=0", "replica.fetch.wait.max.ms=-5"]) {
      expect(() => loadBrokerConfig({ overrides: [bad] }), bad).toThrow(ConfigError);
    }
  });
});
