import type { Socket } from "node:net";
import type { Logger } from "pino";
import { BadFrameError, FrameReader, type FrameBuffers } from "./frame-reader.js";

/** What a handler may know about the connection a request came on. */
export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  readonly listenerName: string;
  /** Aborted when the connection closes, so long-polls can stop early. */
  readonly signal: AbortSignal;
}

/** Response frame body parts (without the size prefix), written with one writev. */
export type ResponseParts = readonly Buffer[];

/**
 * Response parts that borrow buffers (pooled log reads): `release` is called
 * once the socket is done with them (written to the kernel, or the write
 * failed). Never called for a response that was not written at all; the
 * borrowed buffers are then simply garbage-collected.
 */
export interface ReleasableResponse {
  readonly parts: ResponseParts;
  readonly release: () => void;
}

/** Thrown by a dispatcher when the request must not be answered and the connection must close. */
export class CloseConnectionError extends Error {
  readonly code = "CLOSE_CONNECTION";
  override name = "CloseConnectionError";
}

export interface RequestDispatcher {
  /** Returns the response or null when the request gets none (Produce acks=0). */
  handle(frame: Buffer, connection: ConnectionInfo): Promise<ResponseParts | ReleasableResponse | null>;
}

export interface ConnectionObserver {
  bytesIn(n: number): void;
  bytesOut(n: number): void;
  badInput(reason: string): void;
}

export interface ConnectionOptions {
  maxFrameBytes: number;
  maxInFlightRequests: number;
  idleTimeoutMs: number;
  listenerName: string;
  logger: Logger;
  observer: ConnectionObserver;
  /**
   * Pooled memory for joined frames of these APIs; a frame's buffer goes back
   * once the dispatcher's promise for it resolved, so the dispatcher must not
   * keep references into such frames past that point.
   */
  frameBuffers?: FrameBuffers;
}

interface ResponseSlot {
  done: boolean;
  response: ResponseParts | ReleasableResponse | null;
}

/**
 * One client connection: frames requests, hands them to the dispatcher as
 * soon as they arrive (handlers run concurrently), and writes the responses
 * strictly in request order. Reading pauses while `maxInFlightRequests`
 * responses are outstanding or the socket's write buffer is full.
 */
export class Connection implements ConnectionInfo {
  private static nextId = 1;
  readonly id = Connection.nextId++;
  readonly remoteAddress: string;
  readonly listenerName: string;
  private readonly abort = new AbortController();
  private readonly reader: FrameReader;
  private readonly slots: ResponseSlot[] = [];
  /** Frames read past the in-flight bound (from the same socket chunk); dispatched as slots free up. */
  private readonly queuedFrames: Buffer[] = [];
  private writeBlocked = false;
  private draining = false;
  private closed = false;
  private readonly closedPromise: Promise<void>;

  constructor(
    private readonly socket: Socket,
    private readonly dispatcher: RequestDispatcher,
    private readonly options: ConnectionOptions,
  ) {
    this.remoteAddress = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
    this.listenerName = options.listenerName;
    this.reader = new FrameReader(options.maxFrameBytes, options.frameBuffers);
    this.closedPromise = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.setNoDelay(true);
    if (options.idleTimeoutMs > 0) {
      socket.setTimeout(options.idleTimeoutMs, () => {
        if (this.slots.length > 0) return; // a long-poll in progress is not idle
        options.logger.debug({ connection: this.id, remote: this.remoteAddress }, "closing idle connection");
        socket.destroy();
      });
    }
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => {
      this.writeBlocked = false;
      this.updateReading();
    });
    socket.on("error", (err) => options.logger.debug({ connection: this.id, err: err.message }, "socket error"));
    socket.on("close", () => {
      this.closed = true;
      this.abort.abort();
    });
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get inFlightRequests(): number {
    return this.slots.length;
  }

  /** Requests read from the socket and not answered yet: dispatched ones plus those queued past the in-flight bound. */
  get pendingRequests(): number {
    return this.slots.length + this.queuedFrames.length;
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.draining) return;
    this.options.observer.bytesIn(chunk.length);
    let frames: Buffer[];
    try {
      frames = this.reader.push(chunk);
    } catch (err) {
      if (err instanceof BadFrameError) {
        this.options.observer.badInput(err.reason);
        this.options.logger.warn({ connection: this.id, remote: this.remoteAddress, reason: err.reason }, `closing connection: ${err.message}`);
        this.socket.destroy();
        return;
      }
      throw err;
    }
    for (const frame of frames) this.queuedFrames.push(frame);
    this.dispatchQueued();
    this.updateReading();
  }

  private dispatchQueued(): void {
    while (this.queuedFrames.length > 0 && this.slots.length < this.options.maxInFlightRequests && !this.closed) {
      this.dispatch(this.queuedFrames.shift()!);
    }
  }

  private dispatch(frame: Buffer): void {
    const slot: ResponseSlot = { done: false, response: null };
    this.slots.push(slot);
    let pending: Promise<ResponseParts | ReleasableResponse | null>;
    try {
      pending = this.dispatcher.handle(frame, this);
    } catch (err) {
      pending = Promise.reject(err);
    }
    const releaseFrame = this.reader.releaseOf(frame);
    pending.then(
      (response) => {
        releaseFrame?.();
        slot.response = response;
        slot.done = true;
        this.flush();
      },
      // A failed handler may not have finished with the frame: it is left to the GC.
      (err: unknown) => this.failed(err),
    );
  }

  private failed(err: unknown): void {
    if (this.closed) return;
    if (err instanceof CloseConnectionError) {
      this.options.logger.warn({ connection: this.id, remote: this.remoteAddress }, `closing connection: ${err.message}`);
    } else {
      this.options.logger.error({ connection: this.id, remote: this.remoteAddress, err }, "request handler failed; closing connection");
    }
    this.socket.destroy();
  }

  private flush(): void {
    if (this.closed) return;
    let corked = false;
    while (this.slots.length > 0 && this.slots[0]!.done) {
      const { response } = this.slots.shift()!;
      if (response === null) continue;
      if (!corked) {
        this.socket.cork();
        corked = true;
      }
      const parts = isReleasable(response) ? response.parts : response;
      let size = 0;
      for (const p of parts) size += p.length;
      const prefix = Buffer.allocUnsafe(4);
      prefix.writeInt32BE(size, 0);
      let ok = this.socket.write(prefix);
      const last = parts.length - 1;
      for (let i = 0; i < last; i++) ok = this.socket.write(parts[i]!);
      // Write callbacks run in order, once a write completed or failed: after the last part's, the socket holds none of them.
      if (last >= 0) ok = isReleasable(response) ? this.socket.write(parts[last]!, response.release) : this.socket.write(parts[last]!);
      else if (isReleasable(response)) response.release();
      if (!ok) this.writeBlocked = true;
      this.options.observer.bytesOut(size + 4);
    }
    if (corked) this.socket.uncork();
    this.dispatchQueued();
    this.updateReading();
    if (this.draining && this.slots.length === 0 && this.queuedFrames.length === 0) this.endSocket();
  }

  private endSocket(): void {
    this.socket.end(() => this.socket.destroy());
  }

  private updateReading(): void {
    if (this.closed) return;
    const shouldPause =
      this.draining || this.writeBlocked || this.queuedFrames.length > 0 || this.slots.length >= this.options.maxInFlightRequests;
    if (shouldPause && !this.socket.isPaused()) this.socket.pause();
    else if (!shouldPause && this.socket.isPaused()) this.socket.resume();
  }

  /** Stop reading, answer what was already read, then close; force-close after `timeoutMs`. */
  async shutdown(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.draining = true;
    this.socket.pause();
    // Long-polls see the abort and answer with what they have.
    this.abort.abort();
    if (this.slots.length === 0 && this.queuedFrames.length === 0) this.endSocket();
    const timer = setTimeout(() => this.socket.destroy(), timeoutMs);
    await this.closedPromise;
    clearTimeout(timer);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function isReleasable(response: ResponseParts | ReleasableResponse): response is ReleasableResponse {
  return !Array.isArray(response);
}
