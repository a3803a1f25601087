import { connect, createServer, type Server, type Socket } from "node:net";
import { FrameSplitter, readRequestClientId, readRequestHeaderPrefix, readResponseCorrelationId } from "./frame-splitter.js";

/** `upstream` is client → broker (requests); `downstream` is broker → client (responses). */
export type Direction = "upstream" | "downstream";
export type DirectionSelector = Direction | "both";

/**
 * What a direction does with frames: `flow` forwards them (after the delay),
 * `hold` keeps them queued until resumed, `drop` discards them while the
 * connection stays open (a silent network partition).
 */
export type FlowMode = "flow" | "hold" | "drop";

export interface TcpProxyOptions {
  targetPort: number;
  targetHost?: string;
  /** Port to listen on (127.0.0.1); a free port when omitted. */
  listenPort?: number;
  /** Largest Kafka frame accepted; a bigger size prefix ends the connection. */
  maxFrameBytes?: number;
  /** Queued bytes per direction and connection above which reading from the source pauses. */
  maxQueuedBytes?: number;
  /** Requests remembered per connection to match responses to api keys. */
  maxTrackedRequests?: number;
}

export interface DroppedResponse {
  apiKey: number;
  correlationId: number;
}

export interface TcpProxy {
  readonly port: number;
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  readonly connectionCount: number;
  /** Delay added to every frame in a direction from now on. */
  setDelay(direction: DirectionSelector, delayMs: number): void;
  /** Holds (queues) or drops frames in a direction until `resume`. */
  pause(mode: "hold" | "drop", direction?: DirectionSelector): void;
  /** One-way cut: frames in that direction are discarded; the other direction keeps working. */
  cut(direction: Direction): void;
  /** Back to forwarding; held frames are released in order. */
  resume(direction?: DirectionSelector): void;
  /**
   * Drops the next response to a request with this api key after the broker sent
   * it, so the broker has acted on the request but the client never hears back.
   * Resolves once a response was dropped.
   */
  dropNextResponse(apiKey: number): Promise<DroppedResponse>;
  /**
   * Cuts one link among the many a proxy carries: frames of connections whose
   * first request names `clientId` (e.g. one follower's replica fetcher) are
   * dropped both ways, while the connection stays open (a silent partition).
   */
  cutClient(clientId: string): void;
  /** Forwards the frames of `clientId`'s connections again (frames dropped meanwhile stay lost). */
  restoreClient(clientId: string): void;
  /** Resets every open connection (both sockets destroyed). */
  closeAllConnections(): void;
  close(): Promise<void>;
}

interface DirectionSettings {
  delayMs: number;
  mode: FlowMode;
}

interface QueuedFrame {
  frame: Buffer;
  releaseAt: number;
}

/** Frames travelling one way over one proxied connection, with delay and hold/drop applied. */
class Pipe {
  private readonly queue: QueuedFrame[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private sourceClosed = false;

  constructor(
    private readonly source: Socket,
    private readonly destination: Socket,
    private readonly settings: DirectionSettings,
    private readonly maxQueuedBytes: number,
  ) {}

  enqueue(frame: Buffer): void {
    if (this.settings.mode === "drop") return;
    this.queue.push({ frame, releaseAt: Date.now() + this.settings.delayMs });
    this.queuedBytes += frame.length;
    if (this.queuedBytes > this.maxQueuedBytes) this.source.pause();
    this.pump();
  }

  /** The source will send nothing more; the destination is ended once the queue drains. */
  closeSource(): void {
    this.sourceClosed = true;
    this.pump();
  }

  pump(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.settings.mode === "drop") {
      this.queue.length = 0;
      this.queuedBytes = 0;
    }
    if (this.settings.mode === "hold") return;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const waitMs = head.releaseAt - Date.now();
      if (waitMs > 0) {
        this.timer = setTimeout(() => this.pump(), waitMs);
        return;
      }
      this.queue.shift();
      this.queuedBytes -= head.frame.length;
      if (!this.destination.destroyed) this.destination.write(head.frame);
    }
    if (this.queuedBytes <= this.maxQueuedBytes && !this.sourceClosed && this.source.isPaused()) this.source.resume();
    if (this.sourceClosed && !this.destination.destroyed) this.destination.end();
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

/**
 * A Kafka-aware TCP proxy on 127.0.0.1 for fault tests: it forwards whole Kafka
 * frames and can delay, hold or drop them per direction, and drop selected
 * responses.
 */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const targetHost = options.targetHost ?? "127.0.0.1";
  const maxFrameBytes = options.maxFrameBytes ?? 128 * 1024 * 1024;
  const maxQueuedBytes = options.maxQueuedBytes ?? 64 * 1024 * 1024;
  const maxTrackedRequests = options.maxTrackedRequests ?? 100_000;
  const settings: Record<Direction, DirectionSettings> = {
    upstream: { delayMs: 0, mode: "flow" },
    downstream: { delayMs: 0, mode: "flow" },
  };
  const pendingResponseDrops = new Map<number, Array<(dropped: DroppedResponse) => void>>();
  const connections = new Set<{ client: Socket; upstream: Socket; pipes: Pipe[] }>();
  const cutClientIds = new Set<string>();

  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ host: targetHost, port: options.targetPort, allowHalfOpen: true });
    const toBroker = new Pipe(client, upstream, settings.upstream, maxQueuedBytes);
    const toClient = new Pipe(upstream, client, settings.downstream, maxQueuedBytes);
    const connection = { client, upstream, pipes: [toBroker, toClient] };
    connections.add(connection);
    const apiKeyByCorrelationId = new Map<number, number>();
    const requestFrames = new FrameSplitter(maxFrameBytes);
    const responseFrames = new FrameSplitter(maxFrameBytes);
    /** The client id of this connection's first request (undefined until one arrived). */
    let clientId: string | null | undefined;
    const isCut = () => typeof clientId === "string" && cutClientIds.has(clientId);

    const teardown = () => {
      if (!connections.delete(connection)) return;
      toBroker.dispose();
      toClient.dispose();
      client.destroy();
      upstream.destroy();
    };

    client.on("data", (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = requestFrames.push(chunk);
      } catch {
        teardown();
        return;
      }
      for (const frame of frames) {
        const header = readRequestHeaderPrefix(frame);
        if (header !== undefined) {
          if (apiKeyByCorrelationId.size >= maxTrackedRequests) {
            const oldest = apiKeyByCorrelationId.keys().next().value as number;
            apiKeyByCorrelationId.delete(oldest);
          }
          apiKeyByCorrelationId.set(header.correlationId, header.apiKey);
        }
        if (clientId === undefined) clientId = readRequestClientId(frame);
        if (isCut()) continue;
        toBroker.enqueue(frame);
      }
    });

    upstream.on("data", (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = responseFrames.push(chunk);
      } catch {
        teardown();
        return;
      }
      for (const frame of frames) {
        const correlationId = readResponseCorrelationId(frame);
        const apiKey = correlationId === undefined ? undefined : apiKeyByCorrelationId.get(correlationId);
        if (correlationId !== undefined) apiKeyByCorrelationId.delete(correlationId);
        const waiting = apiKey === undefined ? undefined : pendingResponseDrops.get(apiKey);
        if (waiting !== undefined && waiting.length > 0) {
          const resolveDrop = waiting.shift()!;
          if (waiting.length === 0) pendingResponseDrops.delete(apiKey!);
          resolveDrop({ apiKey: apiKey!, correlationId: correlationId! });
          continue;
        }
        if (isCut()) continue;
        toClient.enqueue(frame);
      }
    });

    client.on("end", () => toBroker.closeSource());
    upstream.on("end", () => toClient.closeSource());
    // Errors are followed by 'close'; a reset on one side resets the other.
    client.on("error", () => undefined);
    upstream.on("error", () => undefined);
    client.on("close", (hadError) => (hadError ? teardown() : closeWhenBothDone()));
    upstream.on("close", (hadError) => (hadError ? teardown() : closeWhenBothDone()));
    function closeWhenBothDone() {
      if (client.destroyed && upstream.destroyed) teardown();
      else if (client.destroyed) toBroker.closeSource();
      else if (upstream.destroyed) toClient.closeSource();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: options.listenPort ?? 0 }, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("startTcpProxy: no TCP address");
  const port = address.port;

  const selected = (direction: DirectionSelector): Direction[] =>
    direction === "both" ? ["upstream", "downstream"] : [direction];
  const pumpAll = () => {
    for (const connection of connections) for (const pipe of connection.pipes) pipe.pump();
  };

  return {
    port,
    address: `127.0.0.1:${port}`,
    get connectionCount() {
      return connections.size;
    },
    setDelay(direction, delayMs) {
      if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError(`setDelay: delayMs ${delayMs} must be >= 0`);
      for (const d of selected(direction)) settings[d].delayMs = delayMs;
    },
    pause(mode, direction = "both") {
      for (const d of selected(direction)) settings[d].mode = mode;
      pumpAll();
    },
    cut(direction) {
      settings[direction].mode = "drop";
      pumpAll();
    },
    resume(direction = "both") {
      for (const d of selected(direction)) settings[d].mode = "flow";
      pumpAll();
    },
    dropNextResponse(apiKey) {
      if (!Number.isInteger(apiKey) || apiKey < 0) throw new RangeError(`dropNextResponse: bad api key ${apiKey}`);
      return new Promise<DroppedResponse>((resolve) => {
        const waiting = pendingResponseDrops.get(apiKey) ?? [];
        waiting.push(resolve);
        pendingResponseDrops.set(apiKey, waiting);
      });
    },
    cutClient(id) {
      cutClientIds.add(id);
    },
    restoreClient(id) {
      cutClientIds.delete(id);
    },
    closeAllConnections,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      closeAllConnections();
      await closed;
    },
  };

  function closeAllConnections(): void {
    for (const connection of [...connections]) {
      connections.delete(connection);
      for (const pipe of connection.pipes) pipe.dispose();
      connection.client.destroy();
      connection.upstream.destroy();
    }
  }
}
