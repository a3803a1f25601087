import { join } from "node:path";
import { writeFileAtomically } from "../fs/file-io.js";
import { hasErrorCode, type FileSystem } from "../fs/file-system.js";
import { parseSegmentFileName } from "../format/file-names.js";
import type { StorageLogger } from "../logger.js";
import { PRODUCER_SNAPSHOT_SUFFIX, decodeProducerSnapshot, encodeProducerSnapshot, producerSnapshotFileName } from "./producer-snapshot-format.js";
import type { ProducerStateEntry } from "./producer-state-entry.js";

/** Snapshot files kept per partition; older ones are deleted after each write. */
export const PRODUCER_SNAPSHOTS_RETAINED = 2;

/**
 * The producer-state snapshot files of one partition directory: written
 * atomically (temp file, fsync, rename, directory fsync), the newest
 * PRODUCER_SNAPSHOTS_RETAINED kept. A snapshot that fails to decode is
 * logged, deleted and skipped in favour of an older one (or a full replay).
 */
export class ProducerSnapshots {
  constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
    private readonly logger: StorageLogger,
  ) {}

  /** Offsets of the snapshot files on disk, ascending. */
  async offsets(): Promise<number[]> {
    const offsets: number[] = [];
    for (const name of await this.fs.readdir(this.dir)) {
      const offset = parseSegmentFileName(name, PRODUCER_SNAPSHOT_SUFFIX);
      if (offset !== undefined) offsets.push(offset);
    }
    return offsets.sort((a, b) => a - b);
  }

  async write(offset: number, entries: Iterable<ProducerStateEntry>): Promise<void> {
    await writeFileAtomically(this.fs, join(this.dir, producerSnapshotFileName(offset)), encodeProducerSnapshot(offset, entries));
    const offsets = await this.offsets();
    for (const old of offsets.slice(0, Math.max(0, offsets.length - PRODUCER_SNAPSHOTS_RETAINED))) await this.remove(old);
  }

  /**
   * The newest readable snapshot at or below `maxOffset` and at or above
   * `minOffset`; snapshots outside that range are deleted (they describe
   * batches no longer in the log), unreadable ones too.
   */
  async loadLatest(minOffset: number, maxOffset: number): Promise<{ offset: number; entries: ProducerStateEntry[] } | undefined> {
    const offsets = await this.offsets();
    for (const offset of offsets) if (offset > maxOffset || offset < minOffset) await this.remove(offset);
    const candidates = offsets.filter((o) => o >= minOffset && o <= maxOffset).reverse();
    for (const offset of candidates) {
      const path = join(this.dir, producerSnapshotFileName(offset));
      try {
        const snapshot = decodeProducerSnapshot(await this.fs.readFile(path));
        if (snapshot.offset !== offset) throw new Error(`file name says offset ${offset}, contents say ${snapshot.offset}`);
        return snapshot;
      } catch (err) {
        this.logger.warn({ path, err: (err as Error).message }, "producer-state snapshot is unreadable; ignoring it and rebuilding the state from the log");
        await this.remove(offset);
      }
    }
    return undefined;
  }

  /** Deletes every snapshot above `offset` (truncation). */
  async removeAbove(offset: number): Promise<void> {
    for (const o of await this.offsets()) if (o > offset) await this.remove(o);
  }

  async removeAll(): Promise<void> {
    for (const o of await this.offsets()) await this.remove(o);
  }

  private async remove(offset: number): Promise<void> {
    try {
      await this.fs.unlink(join(this.dir, producerSnapshotFileName(offset)));
    } catch (err) {
      if (!hasErrorCode(err, "ENOENT")) throw err;
    }
  }
}
