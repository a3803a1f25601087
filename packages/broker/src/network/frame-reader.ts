/** The peer sent bytes that cannot be a Kafka request frame; the connection must close. */
export class BadFrameError extends Error {
  readonly code = "BAD_FRAME";
  constructor(
    readonly reason: "oversized" | "negative-size" | "too-small" | "http" | "tls",
    message: string,
  ) {
    super(message);
    this.name = "BadFrameError";
  }
}

/** apiKey(2) + apiVersion(2) + correlationId(4): the smallest request header. */
export const MIN_REQUEST_FRAME_BYTES = 8;
const SIZE_PREFIX_BYTES = 4;

/** Where joined frames of some APIs get their memory, and which APIs those are. */
export interface FrameBuffers {
  readonly pool: BufferPool;
  /** API keys whose frames nobody references once their request was answered (Produce: the log has written the records). */
  readonly apiKeys: ReadonlySet<number>;
}

/** A source of reusable buffers (`ReadBufferPool` from `@samsa/storage` fits). */
export interface BufferPool {
  acquire(length: number): { buffer: Buffer; release: () => void };
}

/**
 * Splits a byte stream into size-prefixed frames. Chunks are kept as they
 * arrive and only joined once a whole frame is present, so a huge length
 * prefix is rejected before anything is allocated for it; a frame that sits
 * inside one chunk is returned as a view without copying.
 *
 * With `frameBuffers`, a joined frame of one of its APIs is copied into a
 * pooled buffer instead of a fresh one (large produce requests arrive in many
 * chunks, and a fresh megabyte per request is most of a broker's garbage);
 * `releaseOf(frame)` hands out how to return it.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private expectedBytes = -1;
  private readonly releases = new WeakMap<Buffer, () => void>();

  constructor(
    private readonly maxFrameBytes: number,
    private readonly frameBuffers?: FrameBuffers,
  ) {}

  /**
   * How to give a pooled frame's buffer back (once, when nothing references
   * the frame any more), or undefined when the frame owns its memory.
   */
  releaseOf(frame: Buffer): (() => void) | undefined {
    const release = this.releases.get(frame);
    this.releases.delete(frame);
    return release;
  }

  get pendingBytes(): number {
    return this.bufferedBytes;
  }

  /** Adds a chunk; returns the frames it completes (each without its size prefix). */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.expectedBytes < 0) {
        if (this.bufferedBytes < SIZE_PREFIX_BYTES) break;
        const prefix = this.peek(SIZE_PREFIX_BYTES);
        this.expectedBytes = this.checkSize(prefix);
        this.consume(SIZE_PREFIX_BYTES);
      }
      if (this.bufferedBytes < this.expectedBytes) break;
      frames.push(this.take(this.expectedBytes));
      this.expectedBytes = -1;
    }
    return frames;
  }

  private checkSize(prefix: Buffer): number {
    const size = prefix.readInt32BE(0);
    // Checked whatever the size limit: as sizes these prefixes mean 300 MB+,
    // and naming the real cause makes the log line useful.
    const text = prefix.toString("latin1");
    if (/^(GET |POST|PUT |HEAD|DELE|OPTI|PATC|HTTP|CONN|PRI )/.test(text)) {
      return fail("http", `HTTP request on the Kafka port (starts with '${text}')`);
    }
    if (prefix[0] === 0x16 && prefix[1] === 0x03) return fail("tls", "TLS handshake on a PLAINTEXT Kafka port");
    if (size >= MIN_REQUEST_FRAME_BYTES && size <= this.maxFrameBytes) return size;
    if (size < 0) return fail("negative-size", `negative frame size ${size}`);
    if (size < MIN_REQUEST_FRAME_BYTES) return fail("too-small", `frame of ${size} bytes is smaller than a request header`);
    return fail("oversized", `frame of ${size} bytes exceeds socket.request.max.bytes ${this.maxFrameBytes}`);
  }

  /** First n buffered bytes (copies only when they span chunks). */
  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.chunks, Math.min(this.bufferedBytes, Math.max(n, 0))).subarray(0, n);
  }

  private consume(n: number): void {
    this.bufferedBytes -= n;
    while (n > 0) {
      const first = this.chunks[0]!;
      if (first.length <= n) {
        n -= first.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = first.subarray(n);
        n = 0;
      }
    }
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    let out: Buffer;
    if (first && first.length >= n) {
      out = first.subarray(0, n);
    } else {
      const lease = this.frameBuffers?.apiKeys.has(this.peek(2).readInt16BE(0)) ? this.frameBuffers.pool.acquire(n) : undefined;
      out = lease ? lease.buffer : Buffer.allocUnsafe(n);
      if (lease) this.releases.set(out, lease.release);
      let at = 0;
      for (const c of this.chunks) {
        if (at >= n) break;
        at += c.copy(out, at, 0, Math.min(c.length, n - at));
      }
    }
    this.consume(n);
    return out;
  }
}

function fail(reason: BadFrameError["reason"], message: string): never {
  throw new BadFrameError(reason, message);
}
