import {
  ApiKey,
  ErrorCode,
  ProtocolDecodeError,
  Reader,
  Writer,
  apiSchema,
  decodeRequestHeader,
  encodeApiVersionsResponse,
  encodeResponseHeader,
  responseHeaderVersion,
  type RequestHeader,
} from "@samsa/protocol";
import type { Logger } from "pino";
import type { BrokerContext } from "../broker-context.js";
import { CloseConnectionError, type ConnectionInfo, type ReleasableResponse, type RequestDispatcher, type ResponseParts } from "../network/connection.js";
import type { RequestContext } from "./handler.js";
import type { HandlerRegistry } from "./registry.js";

const RESPONSE_INITIAL_BYTES = 256;

/**
 * Decodes request frames, runs the API handler, encodes the response.
 *
 * Handlers of one connection run concurrently, with one exception: a
 * request that is not a Produce waits for the Produce requests read before
 * it on the same connection, so a client reads its own writes as it would
 * from Kafka (which handles one request per connection at a time).
 * Produce requests themselves overlap so their fsyncs are shared.
 */
export class KafkaDispatcher implements RequestDispatcher {
  private readonly producesInFlight = new WeakMap<ConnectionInfo, Promise<unknown>>();

  constructor(
    private readonly broker: BrokerContext,
    private readonly registry: HandlerRegistry,
    private readonly logger: Logger,
  ) {}

  async handle(frame: Buffer, connection: ConnectionInfo): Promise<ResponseParts | ReleasableResponse | null> {
    const startedAt = performance.now();
    const apiKey = frame.readInt16BE(0);
    const version = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    const handler = this.registry.get(apiKey);
    const schema = apiSchema(apiKey);
    if (!handler || !schema) {
      throw new CloseConnectionError(`unknown API key ${apiKey} (version ${version}, correlation id ${correlationId})`);
    }
    if (version < handler.minVersion || version > handler.maxVersion) {
      if (apiKey === ApiKey.ApiVersions && version > handler.maxVersion) {
        // KIP-511: answer in v0 with the supported range so the client can retry lower.
        return this.unsupportedApiVersions(correlationId);
      }
      throw new CloseConnectionError(`${handler.name} v${version} is not supported (${handler.minVersion}-${handler.maxVersion})`);
    }
    const reader = new Reader(frame);
    let header: RequestHeader;
    let request: unknown;
    try {
      header = decodeRequestHeader(reader);
      request = schema.decodeRequest(reader, version);
    } catch (err) {
      if (err instanceof ProtocolDecodeError || err instanceof RangeError) {
        throw new CloseConnectionError(`malformed ${handler.name} v${version} request: ${err.message}`);
      }
      throw err;
    }
    const metrics = this.broker.metrics;
    metrics.requests.inc({ request: handler.name, version: String(version) });
    const baseLogger = this.logger;
    let requestLogger: Logger | undefined;
    let releases: Array<() => void> | undefined;
    const releaseAll = (): void => {
      if (releases) for (const release of releases) release();
    };
    const context = {
      onResponseWritten(release: () => void): void {
        (releases ??= []).push(release);
      },
      broker: this.broker,
      connection,
      header,
      // Built on first use: most requests never log, and child loggers are not free on the hot path.
      get logger(): Logger {
        requestLogger ??= baseLogger.child({ api: handler.name, version, correlationId, clientId: header.clientId, connection: connection.id });
        return requestLogger;
      },
    };
    let response: unknown;
    try {
      response = await this.run(handler, context, request, version, apiKey, connection);
    } catch (err) {
      // Nothing borrowed will be written.
      releaseAll();
      throw err;
    }
    if (response === null) {
      releaseAll();
      metrics.requestLatency.observe({ request: handler.name }, performance.now() - startedAt);
      metrics.requestSeconds.observe({ request: handler.name }, (performance.now() - startedAt) / 1000);
      return null;
    }
    const w = new Writer(RESPONSE_INITIAL_BYTES);
    encodeResponseHeader(w, correlationId, responseHeaderVersion(apiKey, version));
    try {
      schema.encodeResponse(w, response, version);
    } catch (err) {
      releaseAll();
      throw err;
    }
    metrics.requestLatency.observe({ request: handler.name }, performance.now() - startedAt);
    metrics.requestSeconds.observe({ request: handler.name }, (performance.now() - startedAt) / 1000);
    return releases === undefined ? w.toChunks() : { parts: w.toChunks(), release: releaseAll };
  }

  private async run(
    handler: NonNullable<ReturnType<HandlerRegistry["get"]>>,
    context: RequestContext,
    request: unknown,
    version: number,
    apiKey: number,
    connection: ConnectionInfo,
  ): Promise<unknown> {
    let response: unknown;
    if (apiKey === ApiKey.Produce) {
      const running = Promise.resolve(handler.handle(context, request as never, version));
      const previous = this.producesInFlight.get(connection);
      const barrier: Promise<unknown> = Promise.allSettled(previous ? [previous, running] : [running]);
      this.producesInFlight.set(connection, barrier);
      void barrier.then(() => {
        if (this.producesInFlight.get(connection) === barrier) this.producesInFlight.delete(connection);
      });
      response = await running;
    } else {
      const pendingProduces = this.producesInFlight.get(connection);
      if (pendingProduces) await pendingProduces;
      response = await handler.handle(context, request as never, version);
    }
    return response;
  }

  private unsupportedApiVersions(correlationId: number): ResponseParts {
    const w = new Writer(RESPONSE_INITIAL_BYTES);
    encodeResponseHeader(w, correlationId, 0);
    encodeApiVersionsResponse(w, { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: this.registry.apiVersions() }, 0);
    this.broker.metrics.requestErrors.inc({ request: "ApiVersions", error: "UNSUPPORTED_VERSION" });
    return w.toChunks();
  }
}
