import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildRecordBatch, ErrorCode, type FetchRequest, type FetchResponse } from "@samsa/protocol";
import { LogManager, systemClock, type PartitionLog } from "@samsa/storage";
import {
  FetchTransportError,
  readForFollower,
  ReplicaManager,
  type AlterPartitionRequest,
  type AlterPartitionResponse,
  type FetchTransport,
  type NodeId,
  type PartitionAssignment,
  type PartitionId,
} from "@samsa/replication";

export const TOPIC: PartitionId = { topic: "orders", partition: 0, topicId: "AAAAAAAAAAAAAAAAAAAAAA" };
const EMPTY_FETCH_PAUSE_MS = 5;

/** The controller's AlterPartition checks (leader epoch, partition epoch, eligibility) over one partition. */
export class FakeController {
  eligible = new Set<NodeId>([1, 2, 3]);
  reachable = true;
  requests: AlterPartitionRequest[] = [];
  constructor(public state: PartitionAssignment) {}

  async alterPartition(request: AlterPartitionRequest): Promise<AlterPartitionResponse> {
    this.requests.push(request);
    if (!this.reachable) throw new Error("controller unreachable");
    const p = this.state;
    if (p.leader !== request.brokerId) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, partition: p };
    if (p.leaderEpoch !== request.leaderEpoch) return { errorCode: ErrorCode.FENCED_LEADER_EPOCH, partition: p };
    if (p.partitionEpoch !== request.partitionEpoch) return { errorCode: ErrorCode.INVALID_UPDATE_VERSION, partition: p };
    if (request.newIsr.some((id) => !p.isr.includes(id) && !this.eligible.has(id))) return { errorCode: ErrorCode.INELIGIBLE_REPLICA, partition: p };
    this.state = { ...p, isr: [...request.newIsr], partitionEpoch: p.partitionEpoch + 1 };
    return { errorCode: ErrorCode.NONE, partition: this.state };
  }

  /** A leader election as the controller would commit it. */
  elect(leader: NodeId, isr: readonly NodeId[]): PartitionAssignment {
    this.state = { ...this.state, leader, isr: [...isr], leaderEpoch: this.state.leaderEpoch + 1, partitionEpoch: this.state.partitionEpoch + 1 };
    return this.state;
  }
}

export interface Node {
  readonly id: NodeId;
  readonly logs: LogManager;
  readonly log: PartitionLog;
  readonly manager: ReplicaManager;
}

/** Three brokers in one process: real logs on disk, fetches served in-process by the leader's ReplicaManager. */
export class InProcessCluster {
  readonly nodes = new Map<NodeId, Node>();
  /** Links (from follower to leader) that drop every fetch. */
  readonly cut = new Set<string>();
  readonly controller: FakeController;
  private readonly dir = mkdtempSync(join(tmpdir(), "samsa-replication-"));

  private constructor(readonly minIsr: number) {
    this.controller = new FakeController({ replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch: 1, partitionEpoch: 1 });
  }

  static async start(options: { minIsr?: number; replicaLagTimeMaxMs?: number } = {}): Promise<InProcessCluster> {
    const cluster = new InProcessCluster(options.minIsr ?? 2);
    for (const id of [1, 2, 3]) {
      const logs = await LogManager.open({ logDirs: [join(cluster.dir, `node-${id}`)], nodeId: id, clusterId: "test-cluster" });
      const log = await logs.createLog(TOPIC.topic, TOPIC.partition);
      const manager = new ReplicaManager({
        localBrokerId: id,
        brokerEpoch: () => 1,
        controller: cluster.controller,
        transportFactory: (source) => new InProcessTransport(cluster, id, source),
        isBrokerEligible: (b) => cluster.controller.eligible.has(b),
        minInsyncReplicas: () => cluster.minIsr,
        clock: systemClock,
        logger: { info() {}, warn() {}, error() {} },
        config: {
          replicaLagTimeMaxMs: options.replicaLagTimeMaxMs ?? 10_000,
          isrCheckIntervalMs: 50,
          isrChangeRetryBackoffMs: 20,
          fetcher: { maxWaitMs: 20, minBytes: 1, maxBytes: 1 << 20, partitionMaxBytes: 1 << 20, backoffMs: 20, requestTimeoutMs: 2000 },
        },
      });
      manager.start();
      cluster.nodes.set(id, { id, logs, log, manager });
    }
    await cluster.applyAssignment(cluster.controller.state);
    return cluster;
  }

  node(id: NodeId): Node {
    return this.nodes.get(id)!;
  }

  /** Delivers committed metadata to every node, as the broker's metadata applier does. */
  async applyAssignment(assignment: PartitionAssignment, only?: readonly NodeId[]): Promise<void> {
    for (const node of this.nodes.values()) {
      if (only && !only.includes(node.id)) continue;
      if (assignment.leader === node.id) await node.manager.becomeLeader(TOPIC, node.log, assignment);
      else await node.manager.becomeFollower(TOPIC, node.log, assignment);
    }
  }

  /** A producer's append on `leader` as the broker does it (acks=all unless told otherwise). */
  async produce(leader: NodeId, values: readonly string[], options: { acks?: number; timeoutMs?: number } = {}): Promise<number> {
    const node = this.node(leader);
    const acks = options.acks ?? -1;
    node.manager.checkProduce(TOPIC.topic, TOPIC.partition, acks);
    const batch = buildRecordBatch({ records: values.map((v) => ({ value: v })), timestamp: Date.now() });
    const info = await node.log.appendAsLeader(batch, node.manager.leaderState(TOPIC.topic, TOPIC.partition)!.leaderEpoch);
    node.manager.leaderAppended(TOPIC.topic, TOPIC.partition);
    if (acks === -1) await node.manager.waitForReplication(TOPIC.topic, TOPIC.partition, info.lastOffset, options.timeoutMs ?? 5000);
    return info.lastOffset;
  }

  /**
   * DeleteRecords on `leader` as the broker's handler does it: move the
   * leader's log start, then wait until the live replicas followed; resolves
   * with the low watermark.
   */
  async deleteRecords(leader: NodeId, offset: number, timeoutMs = 5000): Promise<number> {
    const node = this.node(leader);
    await node.log.deleteRecordsBefore(offset);
    return node.manager.waitForLowWatermark(TOPIC.topic, TOPIC.partition, offset, timeoutMs);
  }

  async close(): Promise<void> {
    for (const node of this.nodes.values()) await node.manager.close();
    for (const node of this.nodes.values()) await node.logs.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

class InProcessTransport implements FetchTransport {
  private closed = false;
  constructor(
    private readonly cluster: InProcessCluster,
    private readonly replicaId: NodeId,
    private readonly source: NodeId,
  ) {}

  async fetch(request: FetchRequest): Promise<FetchResponse> {
    if (this.closed) throw new FetchTransportError("closed");
    if (this.cluster.cut.has(`${this.replicaId}->${this.source}`)) {
      await new Promise((r) => setTimeout(r, EMPTY_FETCH_PAUSE_MS));
      throw new FetchTransportError("link cut");
    }
    const leader = this.cluster.node(this.source);
    let budget = request.maxBytes ?? 1 << 20;
    let bytes = 0;
    const responses: FetchResponse["responses"] = [];
    for (const topic of request.topics) {
      const partitions = [];
      for (const fp of topic.partitions) {
        const pd = await readForFollower(leader.manager, leader.log, topic.topic ?? "", request.replicaId ?? -1, fp, budget);
        const n = Array.isArray(pd.records) ? pd.records.reduce((s, b) => s + b.length, 0) : 0;
        budget -= n;
        bytes += n;
        partitions.push(pd);
      }
      responses.push({ topic: topic.topic ?? "", partitions });
    }
    // A long poll in miniature, so idle fetchers do not spin.
    if (bytes === 0) await new Promise((r) => setTimeout(r, EMPTY_FETCH_PAUSE_MS));
    return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses };
  }

  close(): void {
    this.closed = true;
  }
}

/** Polls `predicate` every 10 ms for at most `timeoutMs`. */
export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** The whole log as bytes, for byte-for-byte comparison between replicas. */
export async function logBytes(log: PartitionLog): Promise<Buffer> {
  const parts: Buffer[] = [];
  let offset = log.logStartOffset;
  for (let i = 0; i < 10_000 && offset < log.logEndOffset; i++) {
    const read = await log.read(offset, 1 << 20, log.logEndOffset);
    if (read.records.length === 0) break;
    parts.push(read.records);
    offset = read.nextOffset;
  }
  return Buffer.concat(parts);
}
