import type { ConnectionInfo, ReleasableResponse, RequestDispatcher, ResponseParts } from "../network/connection.js";

/**
 * Holds requests until the broker has joined the cluster (registered, caught up
 * with the metadata log, unfenced), as Kafka brokers only serve once caught up.
 * The listeners bind earlier because the registration carries their bound ports.
 */
export class StartupGate implements RequestDispatcher {
  private opened = false;
  private open!: () => void;
  private readonly ready = new Promise<void>((resolve) => (this.open = resolve));

  constructor(private readonly inner: RequestDispatcher) {}

  /** Starts serving (idempotent). */
  release(): void {
    this.opened = true;
    this.open();
  }

  handle(frame: Buffer, connection: ConnectionInfo): Promise<ResponseParts | ReleasableResponse | null> {
    if (this.opened) return this.inner.handle(frame, connection);
    return this.ready.then(() => this.inner.handle(frame, connection));
  }
}
