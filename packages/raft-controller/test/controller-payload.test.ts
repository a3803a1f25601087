import { afterEach, describe, expect, it } from "vitest";
import {
  CONTROLLER_OPERATIONS,
  ControllerClient,
  ControllerPayloadDecodeError,
  ControllerRequestError,
  ControllerServer,
  controllerMethod,
  decodeControllerReply,
  decodeControllerRequest,
  decodeControllerResponse,
  encodeControllerReply,
  encodeControllerRequest,
  encodeControllerResponse,
  RpcClient,
  RpcServer,
  type ControllerApi,
  type ControllerOperation,
  type ControllerRequest,
  type ControllerResponse,
} from "../src/index.js";
import { loadProto } from "../src/proto/load.js";

// Values that exercise every nullable, optional and 64-bit field of each operation:
// each operation has one sample with the fields present and one with them absent/null.
type Samples = { readonly [K in ControllerOperation]: { readonly requests: ControllerRequest<K>[]; readonly responses: ControllerResponse<K>[] } };

const BIG = 2 ** 53 - 1;

const SAMPLES: Samples = {
  registerBroker: {
    requests: [
      { brokerId: 3, clusterId: "c-1", incarnationId: "inc", endpoints: [{ name: "PLAINTEXT", host: "h", port: 9092, securityProtocol: "PLAINTEXT" }], rack: "r1" },
      { brokerId: 0, clusterId: "", incarnationId: "i", endpoints: [], rack: null },
    ],
    responses: [{ errorCode: 0, brokerEpoch: BIG }, { errorCode: 101, brokerEpoch: -1 }],
  },
  brokerHeartbeat: {
    requests: [{ brokerId: 1, brokerEpoch: 7, currentMetadataOffset: BIG, wantFence: true, wantShutDown: false }],
    responses: [{ errorCode: 0, isFenced: false, shouldShutDown: true }],
  },
  createTopics: {
    requests: [
      { topics: [{ name: "a", numPartitions: -1, replicationFactor: -1 }] },
      {
        topics: [{ name: "b", numPartitions: 2, replicationFactor: 2, assignments: [[1, 2], [2, 1]], configs: { "cleanup.policy": "compact", "retention.ms": "10" } }],
        validateOnly: true,
      },
      { topics: [{ name: "c", numPartitions: 1, replicationFactor: 1, assignments: [], configs: {} }], validateOnly: false },
    ],
    responses: [
      [
        { name: "a", topicId: "AAAAAAAAAAAAAAAAAAAAAA", errorCode: 0, errorMessage: null, numPartitions: 3, replicationFactor: 1 },
        { name: "b", topicId: null, errorCode: 36, errorMessage: "exists", numPartitions: -1, replicationFactor: -1 },
      ],
      [],
    ],
  },
  deleteTopics: {
    requests: [{ names: ["a", "b"] }, { names: [] }],
    responses: [[{ name: "a", errorCode: 0, errorMessage: null }, { name: "b", errorCode: 3, errorMessage: "unknown" }], []],
  },
  createPartitions: {
    requests: [{ topics: [{ name: "a", count: 6 }] }],
    responses: [[{ name: "a", errorCode: 37, errorMessage: "too few" }]],
  },
  alterConfigs: {
    requests: [{ resources: [{ resourceType: "topic", resourceName: "a", configs: { "retention.ms": "1", "segment.bytes": null } }, { resourceType: "broker", resourceName: "", configs: {} }] }],
    responses: [[{ name: "a", errorCode: 0, errorMessage: null }]],
  },
  incrementalAlterConfigs: {
    requests: [{ resources: [{ resourceType: "broker", resourceName: "1", configs: { "log.retention.ms": null } }] }],
    responses: [[{ name: "1", errorCode: 42, errorMessage: "unknown broker 1" }]],
  },
  alterPartition: {
    requests: [{ brokerId: 1, brokerEpoch: BIG, topicId: "t", partitionId: 4, leaderEpoch: 5, partitionEpoch: 6, newIsr: [1, 2, 3] }],
    responses: [
      { errorCode: 0, partition: { topicId: "t", partitionId: 4, replicas: [1, 2, 3], isr: [1, 2], leader: 1, leaderEpoch: 5, partitionEpoch: 7 } },
      {
        errorCode: 0,
        partition: { topicId: "t", partitionId: 0, replicas: [4, 1], isr: [1], leader: -1, leaderEpoch: 0, partitionEpoch: 0, addingReplicas: [4], removingReplicas: [] },
      },
      { errorCode: 120, partition: null },
    ],
  },
  electLeaders: {
    requests: [{ type: "preferred", partitions: "all" }, { type: "unclean", partitions: [{ topicId: "t", partitionId: 1 }] }, { type: "preferred", partitions: [] }],
    responses: [[{ topicId: "t", partitionId: 1, errorCode: 0, leader: 2 }], []],
  },
  alterPartitionReassignments: {
    requests: [{ topics: [{ name: "a", partitions: [{ partitionId: 0, replicas: [1, 2] }, { partitionId: 1, replicas: null }, { partitionId: 2, replicas: [] }] }] }],
    responses: [[{ name: "a", partitions: [{ partitionId: 0, errorCode: 0, errorMessage: null }, { partitionId: 1, errorCode: 85, errorMessage: "none" }] }]],
  },
  listPartitionReassignments: {
    requests: [{ topics: null }, { topics: [{ name: "a", partitionIds: [0, 2] }] }, { topics: [] }],
    responses: [[{ name: "a", partitionId: 0, replicas: [3, 1], addingReplicas: [3], removingReplicas: [1] }], []],
  },
  allocateProducerIds: {
    requests: [{ brokerId: 2, brokerEpoch: 9 }],
    responses: [{ errorCode: 0, firstProducerId: BIG - 1000, count: 1000 }],
  },
  describeQuorum: {
    requests: [{}],
    responses: [
      {
        leaderId: 1,
        leaderEpoch: 3,
        highWatermark: BIG,
        voters: [{ replicaId: 1, logEndOffset: 10, lastFetchTimestamp: 1_700_000_000_000, lastCaughtUpTimestamp: -1 }],
        observers: [{ replicaId: 4, logEndOffset: -1, lastFetchTimestamp: -1, lastCaughtUpTimestamp: -1 }],
      },
      { leaderId: -1, leaderEpoch: 0, highWatermark: 0, voters: [], observers: [] },
    ],
  },
};

describe("controller payloads as protobuf", () => {
  for (const operation of CONTROLLER_OPERATIONS) {
    it(`round-trips ${operation} requests and responses`, () => {
      const { requests, responses } = SAMPLES[operation] as { requests: ControllerRequest<ControllerOperation>[]; responses: ControllerResponse<ControllerOperation>[] };
      expect(requests.length).toBeGreaterThan(0);
      expect(responses.length).toBeGreaterThan(0);
      for (const request of requests) {
        expect(decodeControllerRequest(operation, encodeControllerRequest(operation, request))).toStrictEqual(request);
      }
      for (const response of responses) {
        // Through the reply envelope, as on the wire.
        const reply = decodeControllerReply(encodeControllerReply({ ok: true, result: encodeControllerResponse(operation, response) }), "reply");
        expect(reply.ok).toBe(true);
        if (!reply.ok) return;
        expect(decodeControllerResponse(operation, reply.result)).toStrictEqual(response);
      }
    });
  }

  it("round-trips failures with and without a leader", () => {
    for (const failure of [
      { ok: false, code: "NOT_CONTROLLER", errorCode: 41, leaderId: 2, message: "go to 2" },
      { ok: false, code: "CONTROLLER_ERROR", errorCode: -1, leaderId: null, message: "boom" },
    ] as const) {
      expect(decodeControllerReply(encodeControllerReply(failure), "reply")).toStrictEqual(failure);
    }
  });

  it("rejects truncated bytes with a typed decode error", () => {
    // Field 1 (length-delimited) announcing 5 bytes, followed by 1.
    const truncated = Uint8Array.of(0x0a, 0x05, 0x61);
    expect(() => decodeControllerRequest("deleteTopics", truncated)).toThrow(ControllerPayloadDecodeError);
    expect(() => decodeControllerReply(truncated, "reply")).toThrow(ControllerPayloadDecodeError);
    try {
      decodeControllerRequest("registerBroker", truncated);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ControllerPayloadDecodeError);
      expect((error as ControllerPayloadDecodeError).code).toBe("CONTROLLER_PAYLOAD_DECODE_ERROR");
      expect((error as ControllerPayloadDecodeError).errorCode).toBe(42);
    }
  });

  it("rejects well-formed protobuf whose values the shapes cannot hold", () => {
    const root = loadProto("controller.proto");
    const encode = (name: string, value: object) => {
      const type = root.lookupType(`samsa.controller.${name}`);
      return type.encode(type.fromObject(value)).finish();
    };
    const unsafeEpoch = encode("BrokerHeartbeatRequest", { brokerId: 1, brokerEpoch: 2 ** 60 });
    expect(() => decodeControllerRequest("brokerHeartbeat", unsafeEpoch)).toThrow(/brokerEpoch is not a safe integer/);
    const noElectionType = encode("ElectLeadersRequest", { all: true });
    expect(() => decodeControllerRequest("electLeaders", noElectionType)).toThrow(ControllerPayloadDecodeError);
    const noScope = encode("ElectLeadersRequest", { type: "ELECTION_TYPE_PREFERRED" });
    expect(() => decodeControllerRequest("electLeaders", noScope)).toThrow(/neither partitions nor all/);
    const noResourceType = encode("AlterConfigsRequest", { resources: [{ resourceName: "a" }] });
    expect(() => decodeControllerRequest("alterConfigs", noResourceType)).toThrow(/resourceType has unknown value/);
    expect(() => decodeControllerReply(new Uint8Array(0), "reply")).toThrow(/neither a result nor a failure/);
  });
});

describe("controller server over RPC", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("serves an operation to ControllerClient and answers a malformed request with its decode code", async () => {
    const server = new RpcServer({ maxFrameBytes: 1 << 20, maxInFlightRequestsPerConnection: 8 });
    const seen: unknown[] = [];
    const controller = {
      async allocateProducerIds(request: ControllerRequest<"allocateProducerIds">) {
        seen.push(request);
        return { errorCode: 0, firstProducerId: 5000, count: 1000 };
      },
    } as unknown as ControllerApi;
    new ControllerServer(server, controller);
    const port = await server.listen(0, "127.0.0.1");
    cleanups.push(() => server.close());

    const client = new ControllerClient({ voters: new Map([[1, { host: "127.0.0.1", port }]]), totalTimeoutMs: 5000 });
    cleanups.push(() => client.close());
    await expect(client.allocateProducerIds({ brokerId: 2, brokerEpoch: 11 })).resolves.toStrictEqual({ errorCode: 0, firstProducerId: 5000, count: 1000 });
    expect(seen).toStrictEqual([{ brokerId: 2, brokerEpoch: 11 }]);

    const raw = new RpcClient({ host: "127.0.0.1", port, maxFrameBytes: 1 << 20, maxInFlightRequests: 8, connectTimeoutMs: 1000, reconnectBackoffInitialMs: 20, reconnectBackoffMaxMs: 200 });
    cleanups.push(() => raw.close());
    const reply = decodeControllerReply(await raw.request(controllerMethod("allocateProducerIds"), Uint8Array.of(0x0a, 0x05, 0x61), 2000), "reply");
    expect(reply).toMatchObject({ ok: false, code: "CONTROLLER_PAYLOAD_DECODE_ERROR", errorCode: 42, leaderId: null });
    expect(seen).toHaveLength(1);

    // The client does not retry the server's own failure; it surfaces the stable code.
    const failing = { async deleteTopics() { throw new Error("disk on fire"); } } as unknown as ControllerApi;
    const server2 = new RpcServer({ maxFrameBytes: 1 << 20, maxInFlightRequestsPerConnection: 8 });
    new ControllerServer(server2, failing, () => {});
    const port2 = await server2.listen(0, "127.0.0.1");
    cleanups.push(() => server2.close());
    const client2 = new ControllerClient({ voters: new Map([[1, { host: "127.0.0.1", port: port2 }]]), totalTimeoutMs: 5000 });
    cleanups.push(() => client2.close());
    const error = await client2.deleteTopics({ names: ["a"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControllerRequestError);
    expect((error as ControllerRequestError).code).toBe("CONTROLLER_ERROR");
    expect((error as ControllerRequestError).errorCode).toBe(-1);
  });
});
