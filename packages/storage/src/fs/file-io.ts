import { dirname } from "node:path";
import type { FileHandle, FileSystem } from "./file-system.js";

/** Bound on consecutive zero-byte writes before treating the device as broken. */
const MAX_ZERO_PROGRESS_WRITES = 8;

/** Writes every byte of `buffers` at `position`, looping over short writes. */
export async function writeFully(file: FileHandle, buffers: readonly Buffer[], position: number): Promise<void> {
  let remaining = buffers.filter((b) => b.length > 0);
  let at = position;
  let stalled = 0;
  while (remaining.length > 0) {
    const written = await file.writev(remaining, at);
    if (written <= 0) {
      stalled += 1;
      if (stalled >= MAX_ZERO_PROGRESS_WRITES) throw Object.assign(new Error("write made no progress"), { code: "EIO" });
      continue;
    }
    stalled = 0;
    at += written;
    remaining = dropPrefix(remaining, written);
  }
}

function dropPrefix(buffers: Buffer[], bytes: number): Buffer[] {
  let skip = bytes;
  let i = 0;
  while (i < buffers.length && skip >= buffers[i]!.length) {
    skip -= buffers[i]!.length;
    i += 1;
  }
  const rest = buffers.slice(i);
  if (skip > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(skip);
  return rest;
}

/** Reads up to `length` bytes at `position`, looping over short reads; returns the filled slice. */
export async function readFully(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const n = await file.read(buf, filled, length - filled, position + filled);
    if (n <= 0) break;
    filled += n;
  }
  return filled === length ? buf : buf.subarray(0, filled);
}

/**
 * Replaces `path` with `contents` so that a crash leaves either the old or the
 * new file: write a temp file, fsync it, rename over, fsync the directory.
 */
export async function writeFileAtomically(fs: FileSystem, path: string, contents: Buffer): Promise<void> {
  const tmp = `${path}.tmp`;
  const file = await fs.open(tmp, "create");
  try {
    await file.truncate(0);
    await writeFully(file, [contents], 0);
    await file.sync();
  } finally {
    await file.close();
  }
  await fs.rename(tmp, path);
  await fs.syncDir(dirname(path));
}

/** Reads a small file as text, or undefined when it does not exist. */
export async function readTextIfExists(fs: FileSystem, path: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(path)).toString("utf8");
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return undefined;
    throw err;
  }
}
