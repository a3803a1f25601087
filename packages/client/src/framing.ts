import { FrameTooLargeError } from "./errors.js";

const SIZE_PREFIX_BYTES = 4;

/**
 * Splits a TCP byte stream into Kafka frames (int32 size + payload). Chunks are
 * kept as a list and only concatenated when a frame spans several of them, so
 * a frame that arrives in one chunk is handed out as a slice without copying.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Feeds bytes and returns every frame payload completed by them (without the size prefix). */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.bufferedBytes < SIZE_PREFIX_BYTES) break;
      const size = this.peekSize();
      if (size < 0 || size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
      if (this.bufferedBytes < SIZE_PREFIX_BYTES + size) break;
      frames.push(this.take(SIZE_PREFIX_BYTES + size).subarray(SIZE_PREFIX_BYTES));
    }
    return frames;
  }

  private peekSize(): number {
    const first = this.chunks[0]!;
    if (first.length >= SIZE_PREFIX_BYTES) return first.readInt32BE(0);
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.readInt32BE(0);
  }

  private take(n: number): Buffer {
    let first = this.chunks[0]!;
    if (first.length < n) {
      first = Buffer.concat(this.chunks);
      this.chunks = [first];
    }
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.bufferedBytes -= n;
    return out;
  }
}
