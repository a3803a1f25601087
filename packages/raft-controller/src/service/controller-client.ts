import { KafkaErrorCode } from "../controller/errors.js";
import { NotControllerError } from "../controller/not-controller-error.js";
import type { NodeId } from "../raft/types.js";
import { RpcClient } from "../rpc/client.js";
import type { ControllerApi, ControllerOperation } from "./controller-api.js";
import { controllerMethod, decodeControllerReply, decodeControllerResponse, encodeControllerRequest, type ControllerRequest, type ControllerResponse } from "./payload-codec.js";

export interface ControllerClientOptions {
  /** controller.quorum.voters */
  readonly voters: ReadonlyMap<NodeId, { readonly host: string; readonly port: number }>;
  /** One attempt's timeout. */
  readonly requestTimeoutMs?: number;
  /** Bound on the whole call, retries included. */
  readonly totalTimeoutMs?: number;
  readonly maxAttempts?: number;
  readonly retryBackoffInitialMs?: number;
  readonly retryBackoffMaxMs?: number;
  readonly maxFrameBytes?: number;
}

/** No active controller answered within the call's bounds. */
export class ControllerUnavailableError extends Error {
  readonly code = "CONTROLLER_UNAVAILABLE";
  readonly errorCode = KafkaErrorCode.REQUEST_TIMED_OUT;
  constructor(readonly operation: string, readonly attempts: number, readonly lastError: Error | null) {
    super(`${operation}: no active controller answered after ${attempts} attempts${lastError ? ` (last: ${lastError.message})` : ""}`);
    this.name = "ControllerUnavailableError";
  }
}

/** The active controller answered with an error other than NOT_CONTROLLER. */
export class ControllerRequestError extends Error {
  readonly code: string;
  constructor(readonly operation: string, code: string, readonly errorCode: number, message: string) {
    super(`${operation} failed on the controller: ${message}`);
    this.name = "ControllerRequestError";
    this.code = code;
  }
}

/**
 * Reaches the active controller from any node (broker forwarding, registration,
 * heartbeats). It remembers the last known leader; on NOT_CONTROLLER it follows the
 * leader named in the answer, on connection errors and timeouts it tries the next
 * voter, with exponential backoff, bounded by attempts and a total timeout.
 */
export class ControllerClient implements ControllerApi {
  private readonly clients = new Map<NodeId, RpcClient>();
  private readonly voterIds: NodeId[];
  private knownLeader: NodeId | null = null;
  private nextVoterIndex: number;
  private closed = false;
  private readonly requestTimeoutMs: number;
  private readonly totalTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;

  constructor(private readonly options: ControllerClientOptions) {
    this.voterIds = [...options.voters.keys()].sort((a, b) => a - b);
    if (this.voterIds.length === 0) throw new Error("a controller client needs at least one voter");
    this.nextVoterIndex = Math.floor(Math.random() * this.voterIds.length);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    this.totalTimeoutMs = options.totalTimeoutMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 200;
    this.backoffInitialMs = options.retryBackoffInitialMs ?? 50;
    this.backoffMaxMs = options.retryBackoffMaxMs ?? 250;
  }

  /** The controller the last successful call (or NOT_CONTROLLER answer) pointed at. */
  get activeControllerId(): NodeId | null {
    return this.knownLeader;
  }

  registerBroker = this.operation("registerBroker");
  brokerHeartbeat = this.operation("brokerHeartbeat");
  createTopics = this.operation("createTopics");
  deleteTopics = this.operation("deleteTopics");
  createPartitions = this.operation("createPartitions");
  alterConfigs = this.operation("alterConfigs");
  incrementalAlterConfigs = this.operation("incrementalAlterConfigs");
  alterPartition = this.operation("alterPartition");
  electLeaders = this.operation("electLeaders");
  alterPartitionReassignments = this.operation("alterPartitionReassignments");
  listPartitionReassignments = this.operation("listPartitionReassignments");
  allocateProducerIds = this.operation("allocateProducerIds");
  describeQuorum = this.operation("describeQuorum");

  close(): void {
    this.closed = true;
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private operation<K extends ControllerOperation>(name: K): ControllerApi[K] {
    return ((request: ControllerRequest<K>) => this.call(name, request)) as ControllerApi[K];
  }

  private async call<K extends ControllerOperation>(operation: K, request: ControllerRequest<K>): Promise<ControllerResponse<K>> {
    const deadline = Date.now() + this.totalTimeoutMs;
    const payload = encodeControllerRequest(operation, request);
    let backoffMs = this.backoffInitialMs;
    let lastError: Error | null = null;
    let attempts = 0;
    // Unreachable voters are skipped at once; the backoff applies after a whole round failed.
    let failuresSinceSleep = 0;
    while (attempts < this.maxAttempts && !this.closed) {
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) break;
      attempts++;
      const target = this.knownLeader ?? this.nextVoter();
      let retryNow = false;
      try {
        const bytes = await this.client(target).request(controllerMethod(operation), payload, Math.min(this.requestTimeoutMs, remainingMs));
        const reply = decodeControllerReply(bytes, `${operation} reply`);
        if (reply.ok) {
          const response = decodeControllerResponse(operation, reply.result);
          this.knownLeader = target;
          return response;
        }
        if (reply.code !== "NOT_CONTROLLER") throw new ControllerRequestError(operation, reply.code, reply.errorCode, reply.message);
        lastError = new NotControllerError(reply.leaderId, reply.message);
        // A voter naming another leader: go there at once. Naming itself: it is about to become active.
        retryNow = reply.leaderId !== null && reply.leaderId !== target && this.options.voters.has(reply.leaderId);
        this.knownLeader = reply.leaderId !== null && this.options.voters.has(reply.leaderId) ? reply.leaderId : null;
      } catch (error) {
        if (error instanceof ControllerRequestError) throw error;
        lastError = error as Error;
        this.knownLeader = null;
      }
      failuresSinceSleep++;
      if (retryNow || failuresSinceSleep < this.voterIds.length) continue;
      failuresSinceSleep = 0;
      await sleep(Math.min(backoffMs, Math.max(0, deadline - Date.now())));
      backoffMs = Math.min(backoffMs * 2, this.backoffMaxMs);
    }
    throw new ControllerUnavailableError(operation, attempts, lastError);
  }

  private nextVoter(): NodeId {
    const id = this.voterIds[this.nextVoterIndex % this.voterIds.length]!;
    this.nextVoterIndex++;
    return id;
  }

  private client(id: NodeId): RpcClient {
    let client = this.clients.get(id);
    if (!client) {
      const address = this.options.voters.get(id)!;
      client = new RpcClient({
        host: address.host,
        port: address.port,
        maxFrameBytes: this.options.maxFrameBytes ?? 8 << 20,
        maxInFlightRequests: 256,
        connectTimeoutMs: this.requestTimeoutMs,
        reconnectBackoffInitialMs: 50,
        reconnectBackoffMaxMs: 1000,
      });
      this.clients.set(id, client);
    }
    return client;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
