import { FrameTooLargeError } from "./errors.js";

export const FRAME_HEADER_BYTES = 4;

export function encodeFrame(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.byteLength);
  frame.writeUInt32BE(payload.byteLength, 0);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Splits a byte stream into length-prefixed frames. The announced length is checked
 * against `maxFrameBytes` before any buffer for the frame exists, so a hostile or
 * corrupt length cannot make us allocate.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Returns the complete frames in `data` plus what was buffered; throws FrameTooLargeError. */
  push(data: Buffer): Buffer[] {
    this.chunks.push(data);
    this.buffered += data.byteLength;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.buffered < FRAME_HEADER_BYTES) break;
      const length = this.peekLength();
      if (length > this.maxFrameBytes) throw new FrameTooLargeError(length, this.maxFrameBytes);
      if (this.buffered < FRAME_HEADER_BYTES + length) break;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      frames.push(all.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length));
      const rest = all.subarray(FRAME_HEADER_BYTES + length);
      this.chunks = rest.byteLength > 0 ? [rest] : [];
      this.buffered = rest.byteLength;
    }
    return frames;
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.byteLength >= FRAME_HEADER_BYTES) return first.readUInt32BE(0);
    const header = Buffer.concat(this.chunks, this.buffered).subarray(0, FRAME_HEADER_BYTES);
    return header.readUInt32BE(0);
  }
}
