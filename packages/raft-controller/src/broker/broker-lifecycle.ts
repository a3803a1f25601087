import { randomBytes } from "node:crypto";
import { KafkaErrorCode } from "../controller/errors.js";
import type { BrokerEndpoint } from "../metadata/records.js";
import type { NodeId } from "../raft/types.js";
import type { ControllerApi } from "../service/controller-api.js";

export const DEFAULT_BROKER_HEARTBEAT_INTERVAL_MS = 2000;

export type BrokerState = "starting" | "fenced" | "running" | "pending-controlled-shutdown" | "shutting-down" | "stopped";

/** The controller refused the registration; the broker must not start (another live broker has this node.id, or the cluster id differs). */
export class BrokerRegistrationError extends Error {
  readonly code: string;
  constructor(readonly brokerId: NodeId, readonly errorCode: number, reason: string) {
    super(`broker ${brokerId} registration refused: ${reason}`);
    this.name = "BrokerRegistrationError";
    this.code = errorCode === KafkaErrorCode.DUPLICATE_BROKER_REGISTRATION ? "DUPLICATE_BROKER_REGISTRATION" : errorCode === KafkaErrorCode.INCONSISTENT_CLUSTER_ID ? "INCONSISTENT_CLUSTER_ID" : "BROKER_REGISTRATION_FAILED";
  }
}

/** The broker was shut down while something waited for it to reach a state (start-up interrupted by SIGTERM). */
export class BrokerStoppedError extends Error {
  readonly code = "BROKER_STOPPED";
  constructor(readonly brokerId: NodeId) {
    super(`broker ${brokerId} was shut down before it finished starting`);
    this.name = "BrokerStoppedError";
  }
}

export interface BrokerLifecycleOptions {
  readonly brokerId: NodeId;
  readonly clusterId: string;
  readonly endpoints: readonly BrokerEndpoint[];
  readonly rack: string | null;
  readonly controller: ControllerApi;
  /** Offset of the last metadata record this broker applied (-1 before any). */
  readonly metadataOffset: () => number;
  /** broker.heartbeat.interval.ms */
  readonly heartbeatIntervalMs?: number;
  /** Bound on a controlled shutdown: after it the broker stops anyway. */
  readonly controlledShutdownTimeoutMs?: number;
  /** How long a DUPLICATE_BROKER_REGISTRATION refusal is retried (a previous incarnation's session must expire first); default twice the default session timeout. */
  readonly duplicateRegistrationRetryMs?: number;
  /** Bound on retrying the first registration while no controller is active. */
  readonly registrationTimeoutMs?: number;
  readonly incarnationId?: string;
  readonly onStateChange?: (state: BrokerState) => void;
  readonly onError?: (error: Error) => void;
}

/**
 * The broker side of KRaft's broker lifecycle: registers with a fresh incarnation id
 * and gets a broker epoch, then heartbeats every broker.heartbeat.interval.ms with the
 * metadata offset it has applied. The controller answers whether the broker is fenced
 * (it is unfenced once caught up with its own registration); a stale epoch or an
 * unknown registration (a new controller that lost it, or a fence by session expiry
 * then re-registration by another incarnation) makes it register again. Controlled
 * shutdown sets `wantShutDown` and waits until the controller moved leadership away.
 */
export class BrokerLifecycle {
  readonly incarnationId: string;
  private currentState: BrokerState = "starting";
  private epoch = -1;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private readonly heartbeatIntervalMs: number;
  private readonly stateWaiters: { predicate: (s: BrokerState) => boolean; resolve: () => void; reject: (error: Error) => void }[] = [];

  constructor(private readonly options: BrokerLifecycleOptions) {
    this.incarnationId = options.incarnationId ?? randomBytes(16).toString("base64url");
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_BROKER_HEARTBEAT_INTERVAL_MS;
  }

  get state(): BrokerState {
    return this.currentState;
  }

  /** The epoch the controller gave this incarnation, -1 before registration. */
  get brokerEpoch(): number {
    return this.epoch;
  }

  /**
   * Registers (retrying through the controller client's bounds) and starts
   * heartbeating. Rejects with BrokerRegistrationError when the controller refuses,
   * and with BrokerStoppedError when shut down before it registered.
   */
  async start(): Promise<void> {
    // The quorum may still be forming (controllers start one by one): keep asking,
    // within registrationTimeoutMs, unless the controller refuses outright.
    const deadline = Date.now() + (this.options.registrationTimeoutMs ?? 300_000);
    let duplicateSinceMs: number | null = null;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.register();
        break;
      } catch (error) {
        // Our own previous incarnation may still hold a session after a fast restart:
        // retry until a session could have expired; a live duplicate keeps refusing us.
        const duplicate = error instanceof BrokerRegistrationError && error.code === "DUPLICATE_BROKER_REGISTRATION";
        if (duplicate) duplicateSinceMs ??= Date.now();
        const duplicateForTooLong = duplicateSinceMs !== null && Date.now() - duplicateSinceMs >= (this.options.duplicateRegistrationRetryMs ?? 18_000);
        if (this.isStopped()) throw new BrokerStoppedError(this.options.brokerId);
        if ((error instanceof BrokerRegistrationError && (!duplicate || duplicateForTooLong)) || Date.now() >= deadline || attempt >= 1000) throw error;
        this.options.onError?.(error as Error);
        await new Promise((r) => setTimeout(r, 200));
        // A shutdown during the start-up wait ends the registration attempts (SIGTERM while the controller is unreachable).
        if (this.isStopped()) throw new BrokerStoppedError(this.options.brokerId);
      }
    }
    if (this.isStopped()) throw new BrokerStoppedError(this.options.brokerId);
    this.timer = setInterval(() => this.beat(), this.heartbeatIntervalMs);
    this.beat();
  }

  /** Resolves once the controller unfenced this broker (or rejects after `timeoutMs`). */
  waitUntilRunning(timeoutMs: number): Promise<void> {
    return this.waitFor((s) => s === "running", timeoutMs, "running");
  }

  /**
   * Controlled shutdown: heartbeats with wantShutDown until the controller confirms
   * leadership moved away (bounded by controlledShutdownTimeoutMs), then stops.
   */
  async shutdown(): Promise<void> {
    if (this.currentState === "stopped") return;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
    if (this.epoch >= 0) {
      this.setState("pending-controlled-shutdown");
      const timeoutMs = this.options.controlledShutdownTimeoutMs ?? 30_000;
      const deadline = Date.now() + timeoutMs;
      let timer: NodeJS.Timeout | undefined;
      // Without a reachable controller the broker still stops once the bound passes.
      const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      const askUntilDone = async () => {
        for (let i = 0; i < 100 && Date.now() < deadline; i++) {
          try {
            const response = await this.options.controller.brokerHeartbeat({
              brokerId: this.options.brokerId,
              brokerEpoch: this.epoch,
              currentMetadataOffset: this.options.metadataOffset(),
              wantFence: false,
              wantShutDown: true,
            });
            if (response.shouldShutDown || response.errorCode !== KafkaErrorCode.NONE) return;
          } catch (error) {
            this.options.onError?.(error as Error);
          }
          await new Promise((r) => setTimeout(r, Math.min(this.heartbeatIntervalMs, 200)));
        }
      };
      await Promise.race([askUntilDone(), expired]);
      clearTimeout(timer);
      this.setState("shutting-down");
    }
    this.setState("stopped");
  }

  /** Stops heartbeating without telling the controller (a crash, or a test killing the broker). */
  abandon(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.setState("stopped");
  }

  private async register(): Promise<void> {
    const response = await this.options.controller.registerBroker({
      brokerId: this.options.brokerId,
      clusterId: this.options.clusterId,
      incarnationId: this.incarnationId,
      endpoints: this.options.endpoints,
      rack: this.options.rack,
    });
    if (response.errorCode !== KafkaErrorCode.NONE) {
      const reason =
        response.errorCode === KafkaErrorCode.DUPLICATE_BROKER_REGISTRATION
          ? `another live broker is registered with node.id ${this.options.brokerId}`
          : response.errorCode === KafkaErrorCode.INCONSISTENT_CLUSTER_ID
            ? `cluster.id ${this.options.clusterId} does not match the controller's cluster`
            : `error code ${response.errorCode}`;
      throw new BrokerRegistrationError(this.options.brokerId, response.errorCode, reason);
    }
    this.epoch = response.brokerEpoch;
    // Stopped while the request was in flight: stay stopped (no heartbeats would follow).
    if (this.currentState !== "stopped") this.setState("fenced");
  }

  private beat(): void {
    if (this.inFlight || this.timer === null) return;
    this.inFlight = this.heartbeatOnce()
      .catch((error: Error) => this.options.onError?.(error))
      .finally(() => {
        this.inFlight = null;
      });
  }

  private async heartbeatOnce(): Promise<void> {
    const response = await this.options.controller.brokerHeartbeat({
      brokerId: this.options.brokerId,
      brokerEpoch: this.epoch,
      currentMetadataOffset: this.options.metadataOffset(),
      wantFence: false,
      wantShutDown: false,
    });
    if (this.timer === null) return;
    if (response.errorCode === KafkaErrorCode.STALE_BROKER_EPOCH || response.errorCode === KafkaErrorCode.BROKER_ID_NOT_REGISTERED) {
      this.setState("fenced");
      await this.register();
      return;
    }
    if (response.errorCode !== KafkaErrorCode.NONE) throw new Error(`heartbeat of broker ${this.options.brokerId} failed with error code ${response.errorCode}`);
    this.setState(response.isFenced ? "fenced" : "running");
  }

  /** A method rather than a comparison so TypeScript does not narrow the state across awaits. */
  private isStopped(): boolean {
    return this.currentState === "stopped";
  }

  private setState(state: BrokerState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.options.onStateChange?.(state);
    for (const waiter of this.stateWaiters.splice(0)) {
      if (waiter.predicate(state)) waiter.resolve();
      // Nothing changes after "stopped": a start-up waiting to be unfenced ends now instead of at its timeout.
      else if (state === "stopped") waiter.reject(new BrokerStoppedError(this.options.brokerId));
      else this.stateWaiters.push(waiter);
    }
  }

  private waitFor(predicate: (s: BrokerState) => boolean, timeoutMs: number, what: string): Promise<void> {
    if (predicate(this.currentState)) return Promise.resolve();
    if (this.currentState === "stopped") return Promise.reject(new BrokerStoppedError(this.options.brokerId));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broker ${this.options.brokerId} not ${what} within ${timeoutMs} ms (state ${this.currentState})`)), timeoutMs);
      this.stateWaiters.push({ predicate, resolve: () => (clearTimeout(timer), resolve()), reject: (error) => (clearTimeout(timer), reject(error)) });
    });
  }
}
