import { join } from "node:path";
import { crc32c } from "@samsa/protocol";
import { hasErrorCode, writeFileAtomically, type FileSystem } from "@samsa/storage";
import type { Snapshot, SnapshotId } from "../raft/types.js";

export const SNAPSHOT_SUFFIX = ".checkpoint";
const MAGIC = 0x534d534e; // "SMSN"
const FORMAT_VERSION = 1;
/** magic u32, version u16, endOffset i64, epoch i32, data length u32, crc32c(data) u32. */
const HEADER_BYTES = 4 + 2 + 8 + 4 + 4 + 4;

export class SnapshotFileError extends Error {
  readonly code = "SNAPSHOT_FILE_CORRUPT";
  constructor(readonly filePath: string, reason: string) {
    super(`snapshot file ${filePath} is unusable: ${reason}`);
    this.name = "SnapshotFileError";
  }
}

/** KIP-630 style name: `<20-digit end offset>-<10-digit epoch>.checkpoint`. */
export function snapshotFileName(id: SnapshotId): string {
  return `${String(id.endOffset).padStart(20, "0")}-${String(id.epoch).padStart(10, "0")}${SNAPSHOT_SUFFIX}`;
}

export function parseSnapshotFileName(name: string): SnapshotId | undefined {
  const match = /^(\d{20})-(\d{10})\.checkpoint$/.exec(name);
  if (!match) return undefined;
  const endOffset = Number(match[1]);
  const epoch = Number(match[2]);
  return Number.isSafeInteger(endOffset) && Number.isSafeInteger(epoch) ? { endOffset, epoch } : undefined;
}

function encodeSnapshotFile(snapshot: Snapshot): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  let at = header.writeUInt32BE(MAGIC, 0);
  at = header.writeUInt16BE(FORMAT_VERSION, at);
  header.writeBigInt64BE(BigInt(snapshot.id.endOffset), at);
  at += 8;
  at = header.writeInt32BE(snapshot.id.epoch, at);
  at = header.writeUInt32BE(snapshot.data.byteLength, at);
  header.writeUInt32BE(crc32c(snapshot.data), at);
  return Buffer.concat([header, snapshot.data]);
}

function decodeSnapshotFile(path: string, bytes: Buffer, id: SnapshotId): Snapshot {
  if (bytes.length < HEADER_BYTES) throw new SnapshotFileError(path, `${bytes.length} bytes cannot hold the header`);
  if (bytes.readUInt32BE(0) !== MAGIC) throw new SnapshotFileError(path, "bad magic");
  if (bytes.readUInt16BE(4) !== FORMAT_VERSION) throw new SnapshotFileError(path, `unknown format version ${bytes.readUInt16BE(4)}`);
  const endOffset = Number(bytes.readBigInt64BE(6));
  const epoch = bytes.readInt32BE(14);
  const length = bytes.readUInt32BE(18);
  const crc = bytes.readUInt32BE(22);
  if (endOffset !== id.endOffset || epoch !== id.epoch) throw new SnapshotFileError(path, `header says ${endOffset}/${epoch}, the name ${id.endOffset}/${id.epoch}`);
  if (bytes.length !== HEADER_BYTES + length) throw new SnapshotFileError(path, `expected ${length} data bytes, found ${bytes.length - HEADER_BYTES}`);
  const data = bytes.subarray(HEADER_BYTES);
  if (crc32c(data) !== crc) throw new SnapshotFileError(path, "CRC mismatch");
  return { id, data };
}

/**
 * Snapshot files in the metadata partition's directory. Each is written to a
 * temporary file, fsynced, renamed into place and the directory fsynced, so a crash
 * leaves either no file or a complete one (the storage engine deletes `.tmp` leftovers
 * when it opens the partition).
 */
export class SnapshotFiles {
  constructor(
    private readonly fs: FileSystem,
    readonly dir: string,
  ) {}

  async write(snapshot: Snapshot): Promise<void> {
    await writeFileAtomically(this.fs, join(this.dir, snapshotFileName(snapshot.id)), encodeSnapshotFile(snapshot));
  }

  async list(): Promise<SnapshotId[]> {
    const ids: SnapshotId[] = [];
    for (const name of await this.fs.readdir(this.dir)) {
      const id = parseSnapshotFileName(name);
      if (id) ids.push(id);
    }
    return ids.sort((a, b) => a.endOffset - b.endOffset || a.epoch - b.epoch);
  }

  /** The newest snapshot that reads back intact; damaged newer files are reported and skipped. */
  async latest(onDamaged: (error: SnapshotFileError) => void): Promise<Snapshot | null> {
    const ids = await this.list();
    for (let i = ids.length - 1; i >= 0; i--) {
      const path = join(this.dir, snapshotFileName(ids[i]!));
      try {
        return decodeSnapshotFile(path, await this.fs.readFile(path), ids[i]!);
      } catch (error) {
        if (error instanceof SnapshotFileError) onDamaged(error);
        else throw error;
      }
    }
    return null;
  }

  /** Deletes every snapshot older than `keep` (the newest stays as the log's base). */
  async deleteOlderThan(keep: SnapshotId): Promise<void> {
    let deleted = false;
    for (const id of await this.list()) {
      if (id.endOffset >= keep.endOffset) continue;
      try {
        await this.fs.unlink(join(this.dir, snapshotFileName(id)));
        deleted = true;
      } catch (error) {
        if (!hasErrorCode(error, "ENOENT")) throw error;
      }
    }
    if (deleted) await this.fs.syncDir(this.dir);
  }
}
