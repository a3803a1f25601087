import type { Socket } from "node:net";
import { decodeEnvelope, encodeEnvelope, type Envelope } from "./codec.js";
import { FrameDecoder, encodeFrame } from "./framing.js";

/** Frames envelopes over one socket; closes it on a framing or decoding error. */
export class EnvelopeConnection {
  private readonly decoder: FrameDecoder;

  constructor(
    readonly socket: Socket,
    maxFrameBytes: number,
    onEnvelope: (envelope: Envelope) => void,
    onClose: (error: Error | null) => void,
  ) {
    this.decoder = new FrameDecoder(maxFrameBytes);
    let closedWith: Error | null = null;
    socket.setNoDelay(true);
    socket.on("data", (data: Buffer) => {
      try {
        for (const frame of this.decoder.push(data)) onEnvelope(decodeEnvelope(frame));
      } catch (error) {
        closedWith = error as Error;
        socket.destroy();
      }
    });
    socket.on("error", (error) => {
      closedWith ??= error;
    });
    socket.on("close", () => onClose(closedWith));
  }

  send(envelope: Envelope): boolean {
    if (this.socket.destroyed) return false;
    this.socket.write(encodeFrame(encodeEnvelope(envelope)));
    return true;
  }

  close(): void {
    this.socket.destroy();
  }
}
