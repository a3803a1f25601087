import { entrySizeBytes, type LogEntry, type Snapshot } from "./types.js";
import type { EpochEndOffset, RaftLog } from "./log.js";
import { assert } from "./assert.js";

interface LogContents {
  readonly startOffset: number;
  readonly entries: LogEntry[];
  readonly snapshot: Snapshot | null;
}

/**
 * An in-memory RaftLog for the simulator and tests. It keeps a copy of what was
 * last flushed, so `crashed()` returns the log a process would find after losing
 * every byte that was not fsynced.
 */
export class InMemoryRaftLog implements RaftLog {
  private start: number;
  private entries: LogEntry[];
  private snapshot: Snapshot | null;
  private durable: LogContents;

  constructor(contents?: LogContents) {
    this.start = contents?.startOffset ?? 0;
    this.entries = contents ? contents.entries.slice() : [];
    this.snapshot = contents?.snapshot ?? null;
    this.durable = { startOffset: this.start, entries: this.entries.slice(), snapshot: this.snapshot };
  }

  /** The log as recovered after a crash: only flushed entries and durable snapshots survive. */
  crashed(): InMemoryRaftLog {
    return new InMemoryRaftLog(this.durable);
  }

  startOffset(): number {
    return this.start;
  }

  endOffset(): number {
    return this.start + this.entries.length;
  }

  lastEpoch(): number {
    const last = this.entries[this.entries.length - 1];
    if (last) return last.epoch;
    return this.snapshot?.id.epoch ?? 0;
  }

  epochAt(offset: number): number | undefined {
    if (offset >= this.start && offset < this.endOffset()) return this.entries[offset - this.start]!.epoch;
    if (this.snapshot && offset === this.snapshot.id.endOffset - 1) return this.snapshot.id.epoch;
    return undefined;
  }

  append(entries: readonly LogEntry[]): void {
    let expected = this.endOffset();
    let lastEpoch = this.lastEpoch();
    for (const entry of entries) {
      assert(entry.offset === expected, `append at offset ${entry.offset}, log end is ${expected}`);
      assert(entry.epoch >= lastEpoch, `append epoch ${entry.epoch} after epoch ${lastEpoch}`);
      this.entries.push(entry);
      expected++;
      lastEpoch = entry.epoch;
    }
  }

  truncateTo(offset: number): void {
    assert(offset >= this.start, `truncate to ${offset} below log start ${this.start}`);
    if (offset < this.endOffset()) this.entries.length = offset - this.start;
  }

  read(fromOffset: number, maxBytes: number): LogEntry[] {
    assert(fromOffset >= this.start, `read from ${fromOffset} below log start ${this.start}`);
    const out: LogEntry[] = [];
    let bytes = 0;
    for (let i = fromOffset - this.start; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      bytes += entrySizeBytes(entry);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  endOffsetForEpoch(epoch: number): EpochEndOffset {
    // Scan backwards for the last entry whose epoch is <= the one asked for; the
    // entry after it starts a larger epoch (or is the log end).
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i]!;
      if (entry.epoch <= epoch) return { epoch: entry.epoch, endOffset: this.start + i + 1 };
    }
    if (this.snapshot && this.snapshot.id.epoch <= epoch) {
      return { epoch: this.snapshot.id.epoch, endOffset: this.snapshot.id.endOffset };
    }
    if (this.start === 0) return { epoch: 0, endOffset: 0 };
    return { epoch: -1, endOffset: -1 };
  }

  latestSnapshot(): Snapshot | null {
    return this.snapshot;
  }

  saveSnapshotAndDeletePrefix(snapshot: Snapshot): void {
    const end = snapshot.id.endOffset;
    assert(end <= this.endOffset(), `snapshot end ${end} beyond log end ${this.endOffset()}`);
    if (this.snapshot && this.snapshot.id.endOffset >= end) return;
    this.snapshot = snapshot;
    if (end > this.start) {
      this.entries = this.entries.slice(end - this.start);
      this.start = end;
    }
    // The durable copy moves its start the same way: deleting segments is durable.
    const durableDrop = Math.max(0, Math.min(end, this.durable.startOffset + this.durable.entries.length) - this.durable.startOffset);
    this.durable = {
      startOffset: Math.max(this.durable.startOffset, end),
      entries: this.durable.entries.slice(durableDrop),
      snapshot,
    };
    if (this.durable.startOffset > this.durable.startOffset + this.durable.entries.length) {
      this.durable = { startOffset: end, entries: [], snapshot };
    }
  }

  installSnapshot(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.start = snapshot.id.endOffset;
    this.entries = [];
    this.durable = { startOffset: this.start, entries: [], snapshot };
  }

  flush(): void {
    this.durable = { startOffset: this.start, entries: this.entries.slice(), snapshot: this.snapshot };
  }
}
