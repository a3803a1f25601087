/**
 * The file-system seam. Everything storage does to disk goes through these two
 * interfaces, so tests can swap in a file system that injects short writes,
 * EIO on fsync, ENOSPC, and crashes that drop unsynced bytes.
 *
 * Semantics follow POSIX: `write` may write fewer bytes than asked (callers
 * loop), a file's bytes and size are durable only after `sync`, and a
 * directory entry (create, rename, unlink) is durable only after `syncDir` of
 * its parent.
 */
export interface FileHandle {
  /** Reads up to `length` bytes at `position`; returns bytes read (0 at end of file). */
  read(buf: Buffer, bufOffset: number, length: number, position: number): Promise<number>;
  /** Writes some prefix of `buffers` at `position`; returns bytes written (may be short). */
  writev(buffers: readonly Buffer[], position: number): Promise<number>;
  /** Makes the file's data and size durable (fdatasync). */
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export type OpenMode =
  /** Existing file, read only. */
  | "read"
  /** Existing file, read and write. */
  | "readWrite"
  /** Read and write; created empty if missing. */
  | "create";

export interface FileSystem {
  open(path: string, mode: OpenMode): Promise<FileHandle>;
  /** Whole file; throws an error with code ENOENT when missing. */
  readFile(path: string): Promise<Buffer>;
  /** Entry names (not paths); throws ENOENT when the directory is missing. */
  readdir(path: string): Promise<string[]>;
  /** Creates the directory and missing parents; no error if it exists. */
  mkdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Removes a directory and everything below it; no error if missing. */
  removeDir(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  isDirectory(path: string): Promise<boolean>;
  /** Makes entry changes in the directory durable (fsync of the directory). */
  syncDir(path: string): Promise<void>;
}

/** True when `err` is a Node-style error with this `code` (ENOENT, EIO, ...). */
export function hasErrorCode(err: unknown, code: string): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === code;
}
