import { LogManager } from "@samsa/storage";
import { BrokerLifecycle, type BrokerState } from "../broker/broker-lifecycle.js";
import { MetadataConfigError, parseProcessRoles, parseQuorumVoters, validateMetadataNodeConfig, type ProcessRole, type VoterAddress } from "../config/node-config.js";
import { QuorumController } from "../controller/quorum-controller.js";
import { diffImages, isEmptyDelta, type MetadataDelta } from "../metadata/delta.js";
import { MetadataImage } from "../metadata/image.js";
import type { BrokerEndpoint } from "../metadata/records.js";
import { MetadataStateMachine } from "../metadata/state-machine.js";
import { DEFAULT_RAFT_TIMING, type RaftConfig } from "../raft/config.js";
import type { RaftStatus } from "../raft/core.js";
import type { NodeId } from "../raft/types.js";
import { RpcServer } from "../rpc/server.js";
import { RaftNode } from "../driver/raft-node.js";
import { ControllerClient } from "../service/controller-client.js";
import { ControllerServer } from "../service/controller-server.js";
import { StorageRaftLog } from "../storage/storage-raft-log.js";

/** KRaft's metadata.log.max.record.bytes.between.snapshots. */
export const DEFAULT_SNAPSHOT_EVERY_BYTES = 20 * 1024 * 1024;

export type RaftTiming = Omit<RaftConfig, "nodeId" | "voters" | "unsafeVoteTwice">;

export interface MetadataNodeLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface MetadataNodeOptions {
  readonly nodeId: NodeId;
  /** process.roles: "broker", "controller", "broker,controller" (or the parsed set). */
  readonly roles: string | ReadonlySet<ProcessRole>;
  /** controller.quorum.voters: "1@host:9093,..." (or the parsed map). */
  readonly voters: string | ReadonlyMap<NodeId, VoterAddress>;
  /** Where this controller listens (controller role only); defaults to its own voter address. */
  readonly controllerListener?: { readonly host: string; readonly port: number };
  /** Log dirs; the metadata log lives in the first (metadata.log.dir) unless `logManager` is given. */
  readonly logDirs: readonly string[];
  /** A LogManager shared with the broker's data logs (one log engine); opened here when absent. */
  readonly logManager?: LogManager;
  readonly clusterId: string;
  /** Broker role: the listeners brokers advertise, and rack. */
  readonly brokerEndpoints?: readonly BrokerEndpoint[];
  readonly rack?: string | null;
  /** controller.quorum.election.timeout.ms, controller.quorum.fetch.timeout.ms, ... */
  readonly raft?: Partial<RaftTiming>;
  readonly tickIntervalMs?: number;
  /** How often the active controller runs its periodic work. */
  readonly controllerTickIntervalMs?: number;
  /** broker.session.timeout.ms */
  readonly sessionTimeoutMs?: number;
  /** broker.heartbeat.interval.ms */
  readonly heartbeatIntervalMs?: number;
  /** Bound on a broker's controlled shutdown when closing. */
  readonly controlledShutdownTimeoutMs?: number;
  /** leader.imbalance.check.interval.seconds, in ms */
  readonly leaderImbalanceCheckIntervalMs?: number;
  readonly defaultPartitions?: number;
  readonly defaultReplicationFactor?: number;
  readonly snapshotEveryBytes?: number;
  readonly maxFrameBytes?: number;
  readonly controllerRequestTimeoutMs?: number;
  readonly controllerTotalTimeoutMs?: number;
  readonly logger?: MetadataNodeLogger;
}

export type ImageListener = (image: MetadataImage, delta: MetadataDelta) => void;

export interface CloseOptions {
  /** Broker role: controlled shutdown (leadership moves away first). Default true. */
  readonly controlledShutdown?: boolean;
  /** Active controller: resign so a successor is elected at once. Default true. */
  readonly resign?: boolean;
}

const silent: MetadataNodeLogger = { info() {}, warn() {}, error() {} };

/**
 * One process's part of the KRaft metadata system: the Raft node on the metadata
 * log (voter with the controller role, observer otherwise), the active-controller
 * loop and controller RPC server (controller role), and the broker lifecycle
 * (broker role). The broker reads `image`, subscribes with `onImage`, and forwards
 * admin requests through `controllerClient`.
 */
export class MetadataNode {
  private readonly listeners = new Set<ImageListener>();
  private controllerTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private brokerStart: Promise<void> | null = null;

  private constructor(
    readonly nodeId: NodeId,
    readonly roles: ReadonlySet<ProcessRole>,
    readonly clusterId: string,
    private readonly stateMachine: MetadataStateMachine,
    readonly raftNode: RaftNode,
    readonly raftLog: StorageRaftLog,
    readonly controller: QuorumController | null,
    private readonly rpcServer: RpcServer | null,
    readonly controllerClient: ControllerClient,
    readonly brokerLifecycle: BrokerLifecycle | null,
    private readonly ownedLogManager: LogManager | null,
    private readonly logger: MetadataNodeLogger,
    /** The controller listener's bound port (controller role), else 0. */
    readonly controllerPort: number,
  ) {}

  static async start(options: MetadataNodeOptions): Promise<MetadataNode> {
    const logger = options.logger ?? silent;
    const roles = typeof options.roles === "string" ? parseProcessRoles(options.roles) : options.roles;
    const voters = typeof options.voters === "string" ? parseQuorumVoters(options.voters) : options.voters;
    validateMetadataNodeConfig({ nodeId: options.nodeId, roles, voters, clusterId: options.clusterId });
    if (options.logDirs.length === 0 && !options.logManager) throw new MetadataConfigError("log.dirs", "no log dir given");
    const isController = roles.has("controller");
    const timing: RaftTiming = { ...DEFAULT_RAFT_TIMING, ...options.raft };

    // meta.properties in the log dir refuses a different cluster.id or node.id here.
    const ownedLogManager = options.logManager ? null : await LogManager.open({ logDirs: [options.logDirs[0]!], nodeId: options.nodeId, clusterId: options.clusterId, logger });
    const logManager = options.logManager ?? ownedLogManager!;
    let raftLog: StorageRaftLog;
    try {
      raftLog = await StorageRaftLog.open({ logManager, logger });
    } catch (error) {
      await ownedLogManager?.close();
      throw error;
    }
    const stateMachine = new MetadataStateMachine(options.snapshotEveryBytes ?? DEFAULT_SNAPSHOT_EVERY_BYTES);
    const maxFrameBytes = options.maxFrameBytes ?? 16 << 20;
    const rpcServer = isController ? new RpcServer({ maxFrameBytes, maxInFlightRequestsPerConnection: 256 }) : null;

    // The node object exists before the Raft node so callbacks can reach it.
    let node: MetadataNode | null = null;
    const raftNode = new RaftNode({
      raft: { nodeId: options.nodeId, voters: [...voters.keys()], ...timing },
      clusterId: options.clusterId,
      dataDir: raftLog.dir,
      voterAddresses: voters,
      ...(rpcServer ? { server: rpcServer } : {}),
      log: raftLog,
      tickIntervalMs: options.tickIntervalMs ?? 20,
      maxFrameBytes,
      onCommitted: (entries) => {
        const before = stateMachine.image;
        stateMachine.apply(entries);
        const snapshot = stateMachine.takeSnapshotIfDue();
        if (snapshot) raftNode.createSnapshot(snapshot.endOffset, snapshot.data);
        controller?.onCommitted();
        node?.publish(before, false);
      },
      onSnapshot: (snapshot) => {
        const before = stateMachine.image;
        stateMachine.loadSnapshot(snapshot);
        controller?.onCommitted();
        node?.publish(before, true);
      },
      onReady: () => node?.controller?.onCommitted(),
      onError: (error) => logger.error({ err: error }, "metadata Raft node failed; it stops acknowledging until restarted"),
    });
    const controller = isController
      ? new QuorumController({
          nodeId: options.nodeId,
          clusterId: options.clusterId,
          raft: raftNode,
          committed: () => ({ image: stateMachine.image, appliedOffset: stateMachine.appliedOffset }),
          ...(options.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
          ...(options.leaderImbalanceCheckIntervalMs !== undefined ? { leaderImbalanceCheckIntervalMs: options.leaderImbalanceCheckIntervalMs } : {}),
          ...(options.defaultPartitions !== undefined ? { defaultPartitions: options.defaultPartitions } : {}),
          ...(options.defaultReplicationFactor !== undefined ? { defaultReplicationFactor: options.defaultReplicationFactor } : {}),
          onError: (error) => logger.warn({ err: error.message }, "controller background work failed"),
        })
      : null;
    if (rpcServer && controller) new ControllerServer(rpcServer, controller, (error) => logger.error({ err: error }, "controller request failed"));
    const controllerClient = new ControllerClient({
      voters,
      maxFrameBytes,
      ...(options.controllerRequestTimeoutMs !== undefined ? { requestTimeoutMs: options.controllerRequestTimeoutMs } : {}),
      ...(options.controllerTotalTimeoutMs !== undefined ? { totalTimeoutMs: options.controllerTotalTimeoutMs } : {}),
    });
    const brokerLifecycle = roles.has("broker")
      ? new BrokerLifecycle({
          brokerId: options.nodeId,
          clusterId: options.clusterId,
          endpoints: options.brokerEndpoints ?? [],
          rack: options.rack ?? null,
          controller: controllerClient,
          metadataOffset: () => stateMachine.appliedOffset - 1,
          ...(options.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: options.heartbeatIntervalMs } : {}),
          ...(options.controlledShutdownTimeoutMs !== undefined ? { controlledShutdownTimeoutMs: options.controlledShutdownTimeoutMs } : {}),
          duplicateRegistrationRetryMs: 2 * (options.sessionTimeoutMs ?? 9000),
          onError: (error) => logger.warn({ err: error.message }, "broker heartbeat failed"),
        })
      : null;

    let controllerPort = 0;
    try {
      await raftNode.start();
      if (rpcServer) {
        const listen = options.controllerListener ?? voters.get(options.nodeId)!;
        controllerPort = await rpcServer.listen(listen.port, listen.host);
      }
    } catch (error) {
      await raftNode.stop().catch(() => {});
      await rpcServer?.close().catch(() => {});
      controllerClient.close();
      await raftLog.settle();
      await ownedLogManager?.close();
      throw error;
    }
    node = new MetadataNode(options.nodeId, roles, options.clusterId, stateMachine, raftNode, raftLog, controller, rpcServer, controllerClient, brokerLifecycle, ownedLogManager, logger, controllerPort);
    if (controller) {
      node.controllerTimer = setInterval(() => controller.tick(), options.controllerTickIntervalMs ?? 100);
    }
    if (brokerLifecycle) {
      node.brokerStart = brokerLifecycle.start();
      node.brokerStart.catch((error: Error) => {
        if (error.name === "BrokerStoppedError") logger.info({ brokerId: options.nodeId }, "shut down before the broker registered");
        else logger.error({ err: error.message }, "broker registration failed; the broker cannot serve");
      });
    }
    return node;
  }

  /** The committed metadata image this node has applied. */
  get image(): MetadataImage {
    return this.stateMachine.image;
  }

  /** Offset after the last applied metadata-log entry. */
  get appliedOffset(): number {
    return this.stateMachine.appliedOffset;
  }

  raftStatus(): RaftStatus {
    return this.raftNode.status();
  }

  get brokerState(): BrokerState | null {
    return this.brokerLifecycle?.state ?? null;
  }

  /** Resolves once the broker registered (rejects with BrokerRegistrationError when refused). */
  brokerRegistered(): Promise<void> {
    return this.brokerStart ?? Promise.reject(new Error(`node ${this.nodeId} has no broker role`));
  }

  /**
   * Subscribes to committed images: the listener is called at once with the current
   * image (as a from-snapshot delta) when it is not empty, then after every applied
   * batch that changed something. Returns the unsubscribe function.
   */
  onImage(listener: ImageListener): () => void {
    this.listeners.add(listener);
    if (this.image.offset >= 0 || this.image.brokers.size > 0) this.safeCall(listener, this.image, diffImages(MetadataImage.EMPTY, this.image, true));
    return () => this.listeners.delete(listener);
  }

  async close(options: CloseOptions = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.brokerLifecycle) {
      if (options.controlledShutdown ?? true) await this.brokerLifecycle.shutdown();
      else this.brokerLifecycle.abandon();
    }
    if (this.controllerTimer) clearInterval(this.controllerTimer);
    this.controller?.close();
    if ((options.resign ?? true) && this.raftNode.status().role === "leader") {
      this.raftNode.resign();
      // Give the EndQuorumEpoch requests a moment to leave before the sockets close.
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.raftNode.stop();
    await this.rpcServer?.close();
    this.controllerClient.close();
    await this.raftLog.settle();
    await this.ownedLogManager?.close();
  }

  private publish(before: MetadataImage, fromSnapshot: boolean): void {
    const after = this.stateMachine.image;
    if (before === after && !fromSnapshot) return;
    const delta = diffImages(before, after, fromSnapshot);
    if (isEmptyDelta(delta)) return;
    for (const listener of this.listeners) this.safeCall(listener, after, delta);
  }

  private safeCall(listener: ImageListener, image: MetadataImage, delta: MetadataDelta): void {
    try {
      listener(image, delta);
    } catch (error) {
      this.logger.error({ err: error }, "metadata image listener threw");
    }
  }
}

/** Starts a metadata node (see MetadataNode). */
export function startMetadataNode(options: MetadataNodeOptions): Promise<MetadataNode> {
  return MetadataNode.start(options);
}
