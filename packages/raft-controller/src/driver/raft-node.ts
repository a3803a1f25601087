import { randomInt } from "node:crypto";
import { RaftCore, type ProposeResult, type RaftStatus, type Ready, type ReplicaState } from "../raft/core.js";
import type { RaftConfig } from "../raft/config.js";
import type { RaftLog } from "../raft/log.js";
import { isRequest, type RaftMessage } from "../raft/messages.js";
import type { LogEntry, NodeId, Snapshot } from "../raft/types.js";
import { RpcClient } from "../rpc/client.js";
import { decodeRaftMessage, encodeRaftMessage } from "../rpc/codec.js";
import { RpcServer } from "../rpc/server.js";
import { QuorumStateFile } from "./quorum-state-file.js";
import { CommitLatency } from "./commit-latency.js";

export const RAFT_METHOD = "raft";

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

export interface RaftNodeOptions {
  readonly raft: RaftConfig;
  readonly clusterId: string;
  readonly dataDir: string;
  /** Where each voter's controller listener is (controller.quorum.voters). */
  readonly voterAddresses: ReadonlyMap<NodeId, PeerAddress>;
  /** Where to listen for Raft RPCs. Observers need none; a node that shares its controller listener passes `server` instead. */
  readonly listen?: PeerAddress;
  /** An RPC server owned by the caller (the controller listener); the node registers its Raft method on it. */
  readonly server?: RpcServer;
  readonly log: RaftLog;
  readonly tickIntervalMs: number;
  readonly maxFrameBytes: number;
  readonly onCommitted?: (entries: readonly LogEntry[]) => void;
  readonly onSnapshot?: (snapshot: Snapshot) => void;
  readonly onError?: (error: Error) => void;
  /** Called after each processed Ready (role, epoch or high watermark may have changed). */
  readonly onReady?: () => void;
}

/**
 * The I/O driver around RaftCore: real timers, the quorum-state file, the log's
 * flush, and RPC on the controller listener. It follows the Ready contract: persist,
 * acknowledge, then send and apply; one Ready at a time.
 */
export class RaftNode {
  private core!: RaftCore;
  private readonly server: RpcServer | null;
  private readonly ownsServer: boolean;
  private failed = false;
  private lastNowMs = 0;
  private readonly clients = new Map<NodeId, RpcClient>();
  private readonly quorumFile: QuorumStateFile;
  /** Requests received, waiting for the core's response: key `${from}/${correlationId}`. */
  private readonly awaitingReply = new Map<string, { resolve: (bytes: Uint8Array) => void; timer: NodeJS.Timeout }>();
  private ticker: NodeJS.Timeout | null = null;
  private processing: Promise<void> = Promise.resolve();
  private stopped = false;
  listenPort = 0;
  /** Leader-side time from proposal append to the high watermark covering it. */
  readonly commitLatency = new CommitLatency();

  constructor(private readonly options: RaftNodeOptions) {
    this.quorumFile = new QuorumStateFile(options.dataDir, options.clusterId, options.raft.voters);
    this.ownsServer = !options.server && options.listen !== undefined;
    this.server = options.server ?? (options.listen ? new RpcServer({ maxFrameBytes: options.maxFrameBytes, maxInFlightRequestsPerConnection: 64 }) : null);
    this.server?.handle(RAFT_METHOD, (payload) => this.onRequest(payload));
  }

  /** Reads the quorum state (refusing to start if it is unreadable), listens, and starts ticking. */
  async start(): Promise<void> {
    const quorumState = await this.quorumFile.read();
    this.core = new RaftCore({ config: this.options.raft, log: this.options.log, quorumState, nowMs: this.nowMs(), random: () => randomInt(0, 2 ** 31) / 2 ** 31 });
    if (this.ownsServer && this.server && this.options.listen) this.listenPort = await this.server.listen(this.options.listen.port, this.options.listen.host);
    this.ticker = setInterval(() => {
      this.core.tick(this.nowMs());
      this.kick();
    }, this.options.tickIntervalMs);
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    await this.processing;
    for (const client of this.clients.values()) client.close();
    for (const waiter of this.awaitingReply.values()) clearTimeout(waiter.timer);
    if (this.ownsServer) await this.server?.close();
  }

  status(): RaftStatus {
    return this.core.status();
  }

  /** The leader's view of the replicas (empty unless this node leads). */
  replicaStates(): ReplicaState[] {
    return this.core.replicaStates();
  }

  propose(payloads: readonly Uint8Array[]): ProposeResult {
    const result = this.core.propose(payloads);
    if (result.ok) this.commitLatency.proposed(result.epoch, result.lastOffset, performance.now());
    this.kick();
    return result;
  }

  resign(): void {
    this.core.resign();
    this.kick();
  }

  createSnapshot(endOffset: number, data: Uint8Array): void {
    this.core.createSnapshot(endOffset, data);
  }

  /** True once persisting failed: the node stops acknowledging anything (fail-stop) until restarted. */
  get hasFailed(): boolean {
    return this.failed;
  }

  private kick(): void {
    this.processing = this.processing
      .then(() => this.drainReady())
      .catch((error: unknown) => {
        this.failed = true;
        this.options.onError?.(error as Error);
      });
  }

  private async drainReady(): Promise<void> {
    for (let i = 0; i < 1000 && !this.stopped && !this.failed && this.core.hasReady(); i++) {
      const ready = this.core.ready();
      await this.persist(ready);
      this.core.handlePersisted(ready);
      for (const message of ready.messages) this.send(message);
      if (ready.snapshot) this.options.onSnapshot?.(ready.snapshot);
      if (ready.committed.length > 0) this.options.onCommitted?.(ready.committed);
      const status = this.core.status();
      this.commitLatency.advanced(status.role === "leader", status.epoch, status.highWatermark, performance.now());
      this.options.onReady?.();
    }
  }

  private async persist(ready: Ready): Promise<void> {
    if (ready.quorumState) await this.quorumFile.write(ready.quorumState);
    if (ready.flushLog) await this.options.log.flush();
  }

  private client(id: NodeId): RpcClient | null {
    let client = this.clients.get(id);
    if (!client) {
      const address = this.options.voterAddresses.get(id);
      if (!address) return null;
      client = new RpcClient({
        ...address,
        maxFrameBytes: this.options.maxFrameBytes,
        maxInFlightRequests: 64,
        connectTimeoutMs: this.options.raft.requestTimeoutMs,
        reconnectBackoffInitialMs: 50,
        reconnectBackoffMaxMs: 2000,
      });
      this.clients.set(id, client);
    }
    return client;
  }

  private send(message: RaftMessage): void {
    if (!isRequest(message.body)) {
      const key = `${message.to}/${message.correlationId}`;
      const waiter = this.awaitingReply.get(key);
      if (!waiter) return;
      clearTimeout(waiter.timer);
      this.awaitingReply.delete(key);
      waiter.resolve(encodeRaftMessage(message));
      return;
    }
    const client = this.client(message.to);
    if (!client) return;
    client.request(RAFT_METHOD, encodeRaftMessage(message), this.options.raft.requestTimeoutMs).then(
      (bytes) => {
        if (this.stopped) return;
        this.core.tick(this.nowMs());
        this.core.step(decodeRaftMessage(bytes));
        this.kick();
      },
      // Lost requests are the core's business: it retries on its own timers.
      () => {},
    );
  }

  /** Wall-clock time that never goes back (the core asserts a monotonic clock). */
  private nowMs(): number {
    this.lastNowMs = Math.max(this.lastNowMs, Date.now());
    return this.lastNowMs;
  }

  private onRequest(payload: Uint8Array): Promise<Uint8Array> {
    if (this.core === undefined || this.stopped) return Promise.reject(new Error(`Raft node ${this.options.raft.nodeId} is not running`));
    const message = decodeRaftMessage(payload);
    if (message.to !== this.options.raft.nodeId) return Promise.reject(new Error(`message for node ${message.to} reached node ${this.options.raft.nodeId}`));
    return new Promise<Uint8Array>((resolve, reject) => {
      const key = `${message.from}/${message.correlationId}`;
      const timer = setTimeout(() => {
        this.awaitingReply.delete(key);
        reject(new Error("no Raft response in time"));
      }, this.options.raft.requestTimeoutMs);
      this.awaitingReply.set(key, { resolve, timer });
      this.core.tick(this.nowMs());
      this.core.step(message);
      this.kick();
    });
  }
}
