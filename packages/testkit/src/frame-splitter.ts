/**
 * Splits a TCP byte stream into Kafka frames (a 4-byte big-endian length, then
 * that many bytes). Each returned frame includes its length prefix, so frames
 * can be forwarded unchanged.
 */
export class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes received but not yet part of a complete frame. */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  /** Adds a chunk and returns every frame it completes. Throws on a size beyond `maxFrameBytes`. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    let at = 0;
    while (this.pending.length - at >= 4) {
      const size = this.pending.readInt32BE(at);
      if (size < 0 || size > this.maxFrameBytes) {
        throw new RangeError(`Kafka frame size ${size} is outside 0..${this.maxFrameBytes}`);
      }
      if (this.pending.length - at < 4 + size) break;
      frames.push(this.pending.subarray(at, at + 4 + size));
      at += 4 + size;
    }
    this.pending = this.pending.subarray(at);
    return frames;
  }
}

/** Request header fields every request version starts with. */
export interface RequestHeaderPrefix {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
}

/** Reads api key, version and correlation id from a request frame (with length prefix). */
export function readRequestHeaderPrefix(frame: Buffer): RequestHeaderPrefix | undefined {
  if (frame.length < 4 + 8) return undefined;
  return { apiKey: frame.readInt16BE(4), apiVersion: frame.readInt16BE(6), correlationId: frame.readInt32BE(8) };
}

/**
 * Reads the client id (request header v1+: int16 length, then UTF-8; -1 is null)
 * from a request frame; undefined when the frame is too short to hold it.
 */
export function readRequestClientId(frame: Buffer): string | null | undefined {
  if (frame.length < 4 + 8 + 2) return undefined;
  const length = frame.readInt16BE(12);
  if (length < 0) return null;
  if (frame.length < 14 + length) return undefined;
  return frame.toString("utf8", 14, 14 + length);
}

/** Reads the correlation id from a response frame (with length prefix). */
export function readResponseCorrelationId(frame: Buffer): number | undefined {
  if (frame.length < 4 + 4) return undefined;
  return frame.readInt32BE(4);
}
