import { FrameTooLargeError } from "./errors.js";

const SIZE_PREFIX_BYTES = 4;
/** Reads that land in the scratch buffer; small frames and frame starts are copied out of it. */
export const DEFAULT_SCRATCH_BYTES = 64 * 1024;

/**
 * Splits a socket's bytes into Kafka frames (int32 size + payload) for a
 * socket read with `onread`. Once a frame's size is known its buffer is
 * allocated and, while a large part of it is still missing, the socket reads
 * straight into that buffer: a multi-megabyte fetch response is copied once,
 * by the kernel, instead of arriving as 64 KiB chunks that are concatenated
 * later. Other reads go to one reused scratch buffer.
 *
 * The socket calls `nextReadBuffer()` for the buffer of its next read and
 * `onRead(n, buffer)` after filling `n` bytes of it.
 */
export class DirectFrameReader {
  private readonly scratch: Buffer;
  private readonly prefix = Buffer.alloc(SIZE_PREFIX_BYTES);
  private prefixFilled = 0;
  /** The frame being filled, without its size prefix. */
  private frame: Buffer | null = null;
  private filled = 0;

  constructor(
    private readonly maxFrameBytes: number,
    private readonly onFrame: (frame: Buffer) => void,
    scratchBytes = DEFAULT_SCRATCH_BYTES,
  ) {
    this.scratch = Buffer.allocUnsafe(scratchBytes);
  }

  nextReadBuffer(): Buffer {
    const frame = this.frame;
    if (frame !== null && frame.length - this.filled >= this.scratch.length) return frame.subarray(this.filled);
    return this.scratch;
  }

  /** Throws FrameTooLargeError on a size prefix beyond `maxFrameBytes`; the stream is unusable after that. */
  onRead(n: number, buffer: Buffer): void {
    if (buffer !== this.scratch) {
      // A direct read: the bytes are already in place.
      this.filled += n;
      if (this.filled === this.frame!.length) this.complete();
      return;
    }
    let at = 0;
    while (at < n) {
      if (this.frame === null) {
        const take = Math.min(SIZE_PREFIX_BYTES - this.prefixFilled, n - at);
        this.scratch.copy(this.prefix, this.prefixFilled, at, at + take);
        this.prefixFilled += take;
        at += take;
        if (this.prefixFilled < SIZE_PREFIX_BYTES) return;
        this.prefixFilled = 0;
        const size = this.prefix.readInt32BE(0);
        if (size < 0 || size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
        this.frame = Buffer.allocUnsafe(size);
        this.filled = 0;
        if (size === 0) {
          this.complete();
          continue;
        }
      }
      const take = Math.min(this.frame.length - this.filled, n - at);
      this.scratch.copy(this.frame, this.filled, at, at + take);
      this.filled += take;
      at += take;
      if (this.filled === this.frame.length) this.complete();
    }
  }

  private complete(): void {
    const frame = this.frame!;
    this.frame = null;
    this.filled = 0;
    this.onFrame(frame);
  }
}
