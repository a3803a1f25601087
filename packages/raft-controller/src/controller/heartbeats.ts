import type { NodeId } from "../raft/types.js";

export const DEFAULT_BROKER_SESSION_TIMEOUT_MS = 9000;

/**
 * Last heartbeat per broker, kept in memory by the active controller only (as in
 * Kafka): a new active controller starts every session afresh, which only delays
 * fencing by at most one session timeout.
 */
export class BrokerHeartbeatTracker {
  private readonly lastHeartbeatMs = new Map<NodeId, number>();

  constructor(private readonly sessionTimeoutMs: number = DEFAULT_BROKER_SESSION_TIMEOUT_MS) {}

  touch(brokerId: NodeId, nowMs: number): void {
    this.lastHeartbeatMs.set(brokerId, nowMs);
  }

  forget(brokerId: NodeId): void {
    this.lastHeartbeatMs.delete(brokerId);
  }

  isAlive(brokerId: NodeId, nowMs: number): boolean {
    const last = this.lastHeartbeatMs.get(brokerId);
    return last !== undefined && nowMs - last < this.sessionTimeoutMs;
  }

  /** Brokers tracked whose session has expired, sorted by id. */
  expired(nowMs: number): NodeId[] {
    return [...this.lastHeartbeatMs]
      .filter(([, last]) => nowMs - last >= this.sessionTimeoutMs)
      .map(([id]) => id)
      .sort((a, b) => a - b);
  }
}
