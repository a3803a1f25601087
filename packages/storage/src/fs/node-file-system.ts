import { constants, promises as fsp } from "node:fs";
import type { FileHandle, FileSystem, OpenMode } from "./file-system.js";

const OPEN_FLAGS: Record<OpenMode, number> = {
  read: constants.O_RDONLY,
  readWrite: constants.O_RDWR,
  create: constants.O_RDWR | constants.O_CREAT,
};

class NodeFileHandle implements FileHandle {
  constructor(private readonly handle: fsp.FileHandle) {}

  async read(buf: Buffer, bufOffset: number, length: number, position: number): Promise<number> {
    const { bytesRead } = await this.handle.read(buf, bufOffset, length, position);
    return bytesRead;
  }
  async writev(buffers: readonly Buffer[], position: number): Promise<number> {
    if (buffers.length === 1) {
      const only = buffers[0]!;
      const { bytesWritten } = await this.handle.write(only, 0, only.length, position);
      return bytesWritten;
    }
    const { bytesWritten } = await this.handle.writev(buffers as Buffer[], position);
    return bytesWritten;
  }
  sync(): Promise<void> {
    return this.handle.datasync();
  }
  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }
  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }
  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The real file system (node:fs/promises). */
export class NodeFileSystem implements FileSystem {
  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    return new NodeFileHandle(await fsp.open(path, OPEN_FLAGS[mode], 0o644));
  }
  readFile(path: string): Promise<Buffer> {
    return fsp.readFile(path);
  }
  readdir(path: string): Promise<string[]> {
    return fsp.readdir(path);
  }
  async mkdir(path: string): Promise<void> {
    await fsp.mkdir(path, { recursive: true });
  }
  rename(from: string, to: string): Promise<void> {
    return fsp.rename(from, to);
  }
  unlink(path: string): Promise<void> {
    return fsp.unlink(path);
  }
  removeDir(path: string): Promise<void> {
    return fsp.rm(path, { recursive: true, force: true });
  }
  async exists(path: string): Promise<boolean> {
    try {
      await fsp.access(path);
      return true;
    } catch {
      return false;
    }
  }
  async isDirectory(path: string): Promise<boolean> {
    try {
      return (await fsp.stat(path)).isDirectory();
    } catch {
      return false;
    }
  }
  async syncDir(path: string): Promise<void> {
    const dir = await fsp.open(path, constants.O_RDONLY);
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

export const nodeFileSystem: FileSystem = new NodeFileSystem();
