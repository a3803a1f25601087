// num.replica.fetchers: fetchers (each with its own connection) per source
// broker, partitions hashed onto them with Kafka's getFetcherId.
import type { FetchRequest, FetchResponse } from "@samsa/protocol";
import { fetcherIdFor, javaStringHashCode, ReplicaManager, type FetchTransport, type NodeId } from "@samsa/replication";
import { describe, expect, it } from "vitest";
import { FakeLog, ManualClock } from "./helpers/fake-log.js";

/** Holds every fetch until closed. */
class IdleTransport implements FetchTransport {
  private readonly pending: Array<(err: Error) => void> = [];
  fetch(_request: FetchRequest): Promise<FetchResponse> {
    return new Promise((_, reject) => this.pending.push(reject));
  }
  close(): void {
    for (const reject of this.pending.splice(0)) reject(new Error("closed"));
  }
}

describe("fetcher assignment", () => {
  it("hashes like Java's String.hashCode", () => {
    expect(javaStringHashCode("")).toBe(0);
    expect(javaStringHashCode("a")).toBe(97);
    expect(javaStringHashCode("hello")).toBe(99162322);
    expect(javaStringHashCode("polygenelubricants")).toBe(-0x80000000);
  });

  it("is Kafka's abs(31 * topic.hashCode + partition) % num.replica.fetchers in 32-bit arithmetic", () => {
    // 31 * 99162322 + 2 = 3074031984 wraps to 3074031984 - 2^32 = -1220935312.
    expect(fetcherIdFor("hello", 2, 5)).toBe(1220935312 % 5);
    expect(fetcherIdFor("a", 1, 1000)).toBe((31 * 97 + 1) % 1000);
    // 31 * MIN_VALUE overflows to MIN_VALUE, which Kafka's Utils.abs maps to 0.
    expect(fetcherIdFor("polygenelubricants", 0, 3)).toBe(0);
    expect(fetcherIdFor("polygenelubricants", 1, 3)).toBe(0x7fffffff % 3);
    expect(fetcherIdFor("anything", 7, 1)).toBe(0);
    expect(() => fetcherIdFor("t", 0, 0)).toThrow();
  });

  it("spreads a topic's partitions over the fetchers", () => {
    const ids = new Set(Array.from({ length: 12 }, (_, p) => fetcherIdFor("orders", p, 3)));
    expect(ids).toEqual(new Set([0, 1, 2]));
  });
});

describe("ReplicaManager with num.replica.fetchers", () => {
  async function follow(numReplicaFetchers: number, partitions: number): Promise<{ fetchers: number; connections: NodeId[] }> {
    const connections: NodeId[] = [];
    const manager = new ReplicaManager({
      localBrokerId: 2,
      brokerEpoch: () => 1,
      controller: { alterPartition: () => new Promise(() => {}) },
      transportFactory: (source) => {
        connections.push(source);
        return new IdleTransport();
      },
      isBrokerEligible: () => true,
      minInsyncReplicas: () => 1,
      clock: new ManualClock(),
      logger: { info() {}, warn() {}, error() {} },
      config: { numReplicaFetchers },
    });
    try {
      for (let p = 0; p < partitions; p++) {
        const leader = p % 2 === 0 ? 1 : 3;
        await manager.becomeFollower({ topic: "orders", partition: p, topicId: "AAAAAAAAAAAAAAAAAAAAAA" }, new FakeLog(), {
          replicas: [1, 2, 3],
          isr: [1, 2, 3],
          leader,
          leaderEpoch: 1,
          partitionEpoch: 1,
        });
      }
      await expect.poll(() => connections.length).toBe(manager.stats().fetcherCount);
      return { fetchers: manager.stats().fetcherCount, connections: [...connections].sort() };
    } finally {
      await manager.close();
    }
  }

  it("runs one fetcher per source broker by default", async () => {
    expect(await follow(1, 8)).toEqual({ fetchers: 2, connections: [1, 3] });
  });

  it("runs up to num.replica.fetchers fetchers per source broker, each with its own connection", async () => {
    const expected = (leader: number) => new Set(Array.from({ length: 8 }, (_, p) => p).filter((p) => (p % 2 === 0 ? 1 : 3) === leader).map((p) => fetcherIdFor("orders", p, 3))).size;
    const { fetchers, connections } = await follow(3, 8);
    expect(fetchers).toBe(expected(1) + expected(3));
    expect(fetchers).toBeGreaterThan(2);
    expect(connections.filter((c) => c === 1)).toHaveLength(expected(1));
    expect(connections.filter((c) => c === 3)).toHaveLength(expected(3));
  });
});
