import { dirname } from "node:path";
import type { FileHandle, FileSystem, OpenMode } from "@samsa/storage";

/** Page size used when tearing the unsynced tail of a file at a crash. */
const PAGE_BYTES = 4096;
/** Unit of atomic writes on the simulated device. */
const SECTOR_BYTES = 512;

interface Inode {
  data: Buffer;
  size: number;
  /** Contents as of the last successful sync. */
  synced: Buffer;
}

export interface FaultOptions {
  /** Writes return a random non-empty prefix of what was asked. */
  shortWrites?: boolean;
  /** Every sync fails with EIO (and syncs nothing). */
  failSyncs?: boolean;
  /** Bytes the disk can still take; writes beyond fail with ENOSPC after writing what fits. */
  freeBytes?: number;
  /** Writes first wait a random 0..N event-loop turns, so overlapping writes land in any order. */
  writeDelayMaxTicks?: number;
}

function fsError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/** Small deterministic PRNG (mulberry32) so failures reproduce from a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An in-memory file system with POSIX durability rules and fault injection:
 * file bytes are durable only after sync, directory entries only after
 * syncDir of their parent. `crash()` forgets everything not durable and may
 * tear the last page of unsynced data (a random prefix, partly garbage).
 */
export class FaultyFileSystem implements FileSystem {
  private current = new Map<string, Inode>();
  private durable = new Map<string, Inode>();
  private readonly dirs = new Set<string>(["/"]);
  private generation = 0;
  faults: FaultOptions = {};
  syncCount = 0;

  constructor(private readonly random: () => number = seededRandom(1)) {}

  /**
   * Simulates power loss and returns the file system as the rebooted machine
   * sees it: unsynced bytes and entries vanish and the last page may tear.
   * This instance (and every handle from it) fails with EIO from now on, so a
   * dead process's leftover work cannot touch the new world.
   */
  crash(options: { tearLastPage?: boolean } = {}): FaultyFileSystem {
    this.generation += 1;
    this.dead = true;
    const restored = new Map<string, Inode>();
    const seen = new Map<Inode, Inode>();
    for (const [path, inode] of this.durable) {
      let copy = seen.get(inode);
      if (copy === undefined) {
        let data = Buffer.from(inode.synced);
        if (options.tearLastPage && inode.size > inode.synced.length && inode.data.subarray(0, inode.synced.length).equals(inode.synced)) {
          const tail = inode.data.subarray(inode.synced.length, Math.min(inode.size, inode.synced.length + PAGE_BYTES));
          // A torn page: a prefix of the unsynced bytes arrived, then the rest of
          // the sector being written holds garbage.
          const kept = tail.subarray(0, Math.floor(this.random() * (tail.length + 1)));
          const garbageBytes = this.random() < 0.5 ? 0 : Math.min(tail.length - kept.length, SECTOR_BYTES - (kept.length % SECTOR_BYTES));
          const garbage = Buffer.alloc(garbageBytes);
          for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(this.random() * 256);
          data = Buffer.concat([data, kept, garbage]);
        }
        copy = { data, size: data.length, synced: Buffer.from(data) };
        seen.set(inode, copy);
      }
      restored.set(path, copy);
    }
    const next = new FaultyFileSystem(this.random);
    next.current = restored;
    next.durable = new Map(restored);
    for (const d of this.dirs) next.dirs.add(d);
    return next;
  }

  private dead = false;

  private alive(): void {
    if (this.dead) throw fsError("EIO", "file system of a crashed process");
  }

  /** Raw bytes of a file as the process sees them now (tests inspect or damage files). */
  fileBytes(path: string): Buffer {
    const inode = this.current.get(path);
    if (inode === undefined) throw fsError("ENOENT", path);
    return inode.data.subarray(0, inode.size);
  }

  /** Overwrites a file durably (tests plant garbage). */
  plant(path: string, bytes: Buffer): void {
    const inode: Inode = { data: Buffer.from(bytes), size: bytes.length, synced: Buffer.from(bytes) };
    this.current.set(path, inode);
    this.durable.set(path, inode);
  }

  paths(): string[] {
    return [...this.current.keys()].sort();
  }

  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    this.alive();
    let inode = this.current.get(path);
    if (inode === undefined) {
      if (mode !== "create") throw fsError("ENOENT", path);
      if (!this.dirs.has(dirname(path))) throw fsError("ENOENT", dirname(path));
      inode = { data: Buffer.alloc(0), size: 0, synced: Buffer.alloc(0) };
      this.current.set(path, inode);
    }
    return this.handle(inode, mode === "read");
  }

  private handle(inode: Inode, readOnly: boolean): FileHandle {
    const generation = this.generation;
    const check = () => {
      if (generation !== this.generation) throw fsError("EIO", "file handle from before the crash");
    };
    const grow = (size: number) => {
      if (size > inode.data.length) {
        const bigger = Buffer.alloc(Math.max(size, inode.data.length * 2));
        inode.data.copy(bigger, 0, 0, inode.size);
        inode.data = bigger;
      }
    };
    return {
      read: async (buf, bufOffset, length, position) => {
        check();
        const n = Math.max(0, Math.min(length, inode.size - position));
        inode.data.copy(buf, bufOffset, position, position + n);
        return n;
      },
      writev: async (buffers, position) => {
        check();
        if (readOnly) throw fsError("EBADF", "read-only handle");
        const delayTicks = this.faults.writeDelayMaxTicks === undefined ? 0 : Math.floor(this.random() * (this.faults.writeDelayMaxTicks + 1));
        if (delayTicks > 0) {
          for (let i = 0; i < delayTicks; i++) await new Promise((resolve) => setImmediate(resolve));
          // A crash meanwhile: this write never reached the device.
          check();
        }
        const all = Buffer.concat(buffers as Buffer[]);
        let n = all.length;
        if (this.faults.shortWrites && n > 1) n = 1 + Math.floor(this.random() * n);
        const free = this.faults.freeBytes;
        const extends_ = Math.max(0, position + n - inode.size);
        let full = false;
        if (free !== undefined && extends_ > free) {
          n = Math.max(0, n - (extends_ - free));
          full = true;
        }
        grow(position + n);
        all.copy(inode.data, position, 0, n);
        if (position + n > inode.size) {
          if (this.faults.freeBytes !== undefined) this.faults.freeBytes -= position + n - inode.size;
          inode.size = position + n;
        }
        if (full && n === 0) throw fsError("ENOSPC", "no space left on device");
        return n;
      },
      sync: async () => {
        check();
        if (this.faults.failSyncs) throw fsError("EIO", "fsync failed");
        this.syncCount += 1;
        inode.synced = Buffer.from(inode.data.subarray(0, inode.size));
      },
      truncate: async (length) => {
        check();
        grow(length);
        if (length > inode.size) inode.data.fill(0, inode.size, length);
        inode.size = length;
      },
      size: async () => {
        check();
        return inode.size;
      },
      close: async () => {},
    };
  }

  async readFile(path: string): Promise<Buffer> {
    this.alive();
    return Buffer.from(this.fileBytes(path));
  }
  async readdir(path: string): Promise<string[]> {
    this.alive();
    if (!this.dirs.has(path)) throw fsError("ENOENT", path);
    const prefix = path.endsWith("/") ? path : path + "/";
    const names = new Set<string>();
    for (const p of [...this.current.keys(), ...this.dirs]) {
      if (p.startsWith(prefix) && p.length > prefix.length) names.add(p.slice(prefix.length).split("/")[0]!);
    }
    return [...names];
  }
  async mkdir(path: string): Promise<void> {
    this.alive();
    let p = path;
    while (p !== "/" && p !== ".") {
      this.dirs.add(p);
      p = dirname(p);
    }
  }
  async rename(from: string, to: string): Promise<void> {
    this.alive();
    if (this.dirs.has(from)) {
      for (const key of [...this.current.keys()]) {
        if (key.startsWith(from + "/")) {
          this.current.set(to + key.slice(from.length), this.current.get(key)!);
          this.current.delete(key);
        }
      }
      for (const key of [...this.durable.keys()]) {
        if (key.startsWith(from + "/")) {
          this.durable.set(to + key.slice(from.length), this.durable.get(key)!);
          this.durable.delete(key);
        }
      }
      this.dirs.delete(from);
      this.dirs.add(to);
      return;
    }
    const inode = this.current.get(from);
    if (inode === undefined) throw fsError("ENOENT", from);
    this.current.delete(from);
    this.current.set(to, inode);
  }
  async unlink(path: string): Promise<void> {
    this.alive();
    if (!this.current.delete(path)) throw fsError("ENOENT", path);
  }
  async removeDir(path: string): Promise<void> {
    this.alive();
    for (const map of [this.current, this.durable]) for (const key of [...map.keys()]) if (key.startsWith(path + "/")) map.delete(key);
    for (const d of [...this.dirs]) if (d === path || d.startsWith(path + "/")) this.dirs.delete(d);
  }
  async exists(path: string): Promise<boolean> {
    this.alive();
    return this.current.has(path) || this.dirs.has(path);
  }
  async isDirectory(path: string): Promise<boolean> {
    this.alive();
    return this.dirs.has(path);
  }
  async syncDir(path: string): Promise<void> {
    this.alive();
    if (this.faults.failSyncs) throw fsError("EIO", "fsync of directory failed");
    const inDir = (p: string) => dirname(p) === path;
    for (const key of [...this.durable.keys()]) if (inDir(key) && !this.current.has(key)) this.durable.delete(key);
    for (const [key, inode] of this.current) if (inDir(key)) this.durable.set(key, inode);
  }
}
