import type { RaftLog } from "../raft/log.js";
import type { LogEntry, NodeId } from "../raft/types.js";

export class InvariantViolation extends Error {
  readonly code = "RAFT_INVARIANT_VIOLATION";
  constructor(message: string) {
    super(message);
    this.name = "InvariantViolation";
  }
}

/** FNV-1a over an entry, chained: equal digests at an offset mean equal committed prefixes. */
export function chainDigest(previous: number, entry: LogEntry): number {
  let h = (previous ^ 0x811c9dc5) >>> 0;
  const mix = (byte: number) => {
    h ^= byte & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (const n of [entry.offset, entry.epoch, entry.kind === "data" ? 1 : 2]) {
    mix(n);
    mix(n >>> 8);
    mix(n >>> 16);
    mix(n >>> 24);
  }
  for (const byte of entry.payload) mix(byte);
  return h;
}

function sameEntry(a: LogEntry, b: LogEntry): boolean {
  if (a.offset !== b.offset || a.epoch !== b.epoch || a.kind !== b.kind || a.payload.byteLength !== b.payload.byteLength) return false;
  for (let i = 0; i < a.payload.byteLength; i++) if (a.payload[i] !== b.payload[i]) return false;
  return true;
}

/**
 * The safety properties the simulator checks after every step:
 * at most one leader per epoch; committed entries never change or disappear (every
 * node applies the same prefix, and every new leader holds all of it); a node's high
 * watermark never goes back.
 */
export class InvariantChecker {
  private readonly leaders = new Map<number, NodeId>();
  /** The committed log as first applied by any node. */
  private readonly committed: LogEntry[] = [];
  /** digests[i] is the chained digest after applying offsets 0..i. */
  private readonly digests: number[] = [];
  private readonly highWatermarks = new Map<string, number>();

  get committedEndOffset(): number {
    return this.committed.length;
  }

  committedEntry(offset: number): LogEntry | undefined {
    return this.committed[offset];
  }

  digestBefore(endOffset: number): number {
    return endOffset === 0 ? 0 : this.digests[endOffset - 1]!;
  }

  onLeaderElected(nodeId: NodeId, epoch: number, log: RaftLog): void {
    const previous = this.leaders.get(epoch);
    if (previous !== undefined && previous !== nodeId) {
      throw new InvariantViolation(`two leaders in epoch ${epoch}: ${previous} and ${nodeId}`);
    }
    this.leaders.set(epoch, nodeId);
    // Leader completeness: a new leader holds every committed entry (or a snapshot past it).
    const end = this.committed.length;
    if (log.endOffset() < end) {
      throw new InvariantViolation(`leader ${nodeId} of epoch ${epoch} has log end ${log.endOffset()} but ${end} entries are committed`);
    }
    const from = log.startOffset();
    if (from > 0 && from <= end) {
      const snapshot = log.latestSnapshot();
      if (!snapshot || snapshot.id.endOffset < from) throw new InvariantViolation(`leader ${nodeId} log starts at ${from} without a snapshot`);
    }
    if (from < end) {
      for (const entry of log.read(from, Number.MAX_SAFE_INTEGER)) {
        if (entry.offset >= end) break;
        if (!sameEntry(entry, this.committed[entry.offset]!)) {
          throw new InvariantViolation(`leader ${nodeId} of epoch ${epoch} holds a different entry at committed offset ${entry.offset}`);
        }
      }
    }
  }

  /** A node applies a committed entry; returns the digest after it. */
  onApply(nodeId: NodeId, entry: LogEntry, digestBefore: number): number {
    const known = this.committed[entry.offset];
    if (known) {
      if (!sameEntry(known, entry)) {
        throw new InvariantViolation(
          `node ${nodeId} applied offset ${entry.offset} epoch ${entry.epoch}, but epoch ${known.epoch} entry was committed there`,
        );
      }
      if (this.digestBefore(entry.offset) !== digestBefore) {
        throw new InvariantViolation(`node ${nodeId} applied offset ${entry.offset} on top of a different prefix`);
      }
      return this.digests[entry.offset]!;
    }
    if (entry.offset !== this.committed.length) {
      throw new InvariantViolation(`node ${nodeId} applied offset ${entry.offset} but only ${this.committed.length} entries are known committed`);
    }
    if (this.digestBefore(entry.offset) !== digestBefore) {
      throw new InvariantViolation(`node ${nodeId} committed offset ${entry.offset} on top of a different prefix`);
    }
    const digest = chainDigest(digestBefore, entry);
    this.committed.push(entry);
    this.digests.push(digest);
    return digest;
  }

  onSnapshotLoaded(nodeId: NodeId, endOffset: number, digest: number): void {
    if (endOffset > this.committed.length) {
      throw new InvariantViolation(`node ${nodeId} loaded a snapshot ending at ${endOffset}, beyond committed end ${this.committed.length}`);
    }
    if (this.digestBefore(endOffset) !== digest) {
      throw new InvariantViolation(`node ${nodeId} loaded a snapshot at ${endOffset} whose state differs from the committed log`);
    }
  }

  /** `incarnation` separates process lifetimes: the high watermark is not persisted across restarts. */
  onHighWatermark(nodeId: NodeId, incarnation: number, highWatermark: number): void {
    const key = `${nodeId}/${incarnation}`;
    const previous = this.highWatermarks.get(key) ?? 0;
    if (highWatermark < previous) {
      throw new InvariantViolation(`node ${nodeId} high watermark went back from ${previous} to ${highWatermark}`);
    }
    this.highWatermarks.set(key, highWatermark);
  }

  leaderOf(epoch: number): NodeId | undefined {
    return this.leaders.get(epoch);
  }
}
