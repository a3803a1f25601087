import { join } from "node:path";
import { nodeFileSystem, writeFileAtomically, type FileSystem } from "@samsa/storage";
import { PRODUCER_ID_BLOCK_SIZE, type ProducerIdAllocator, type ProducerIdBlock } from "./producer-id-allocator.js";

/** File in the first log dir holding the last reserved block. */
export const PRODUCER_ID_BLOCK_FILE = "__samsa-producer-id-block.json";
const FILE_VERSION = 1;

/** The producer-id block file exists but cannot be trusted; handing out ids could reuse one. */
export class ProducerIdBlockFileError extends Error {
  readonly code = "PRODUCER_ID_BLOCK_FILE";
}

interface BlockFile {
  version: number;
  nodeId: number;
  /** First id of the last reserved block. */
  blockStart: number;
  /** Last id (inclusive) of the last reserved block. */
  blockEnd: number;
}

/**
 * Single-node allocator: reserves blocks of PRODUCER_ID_BLOCK_SIZE ids and
 * records each reservation durably (temp file, fsync, rename, directory
 * fsync) before any id of it is handed out, so a restart continues after the
 * last reserved block and never reuses an id.
 */
export class LocalProducerIdAllocator implements ProducerIdAllocator {
  private constructor(
    private readonly fs: FileSystem,
    private readonly path: string,
    private readonly nodeId: number,
    private nextStart: number,
    private readonly blockSize: number,
  ) {}

  static async open(options: { dir: string; nodeId: number; fs?: FileSystem; blockSize?: number }): Promise<LocalProducerIdAllocator> {
    const fs = options.fs ?? nodeFileSystem;
    const blockSize = options.blockSize ?? PRODUCER_ID_BLOCK_SIZE;
    if (!Number.isSafeInteger(blockSize) || blockSize < 1) throw new Error(`producer id block size must be a positive integer, got ${blockSize}`);
    const path = join(options.dir, PRODUCER_ID_BLOCK_FILE);
    let text: string | undefined;
    try {
      text = (await fs.readFile(path)).toString("utf8");
    } catch (err) {
      if ((err as { code?: string }).code !== "ENOENT") throw err;
    }
    const nextStart = text === undefined ? 0 : parseBlockFile(path, text).blockEnd + 1;
    return new LocalProducerIdAllocator(fs, path, options.nodeId, nextStart, blockSize);
  }

  async nextBlock(): Promise<ProducerIdBlock> {
    const block = { firstProducerId: this.nextStart, size: this.blockSize };
    const record: BlockFile = { version: FILE_VERSION, nodeId: this.nodeId, blockStart: block.firstProducerId, blockEnd: block.firstProducerId + block.size - 1 };
    await writeFileAtomically(this.fs, this.path, Buffer.from(JSON.stringify(record) + "\n"));
    this.nextStart = record.blockEnd + 1;
    return block;
  }
}

function parseBlockFile(path: string, text: string): BlockFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ProducerIdBlockFileError(`${path} is not valid JSON (${(err as Error).message}); restore it or remove it only if no producer id was ever handed out`);
  }
  const f = parsed as Partial<BlockFile> | null;
  const isId = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
  if (f === null || f.version !== FILE_VERSION || !isId(f.blockStart) || !isId(f.blockEnd) || f.blockEnd < f.blockStart) {
    throw new ProducerIdBlockFileError(`${path} does not hold a version ${FILE_VERSION} producer id block; restore it or remove it only if no producer id was ever handed out`);
  }
  return f as BlockFile;
}
