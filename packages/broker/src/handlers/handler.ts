import type { RequestByApiKey, RequestHeader, ResponseByApiKey } from "@samsa/protocol";
import type { Logger } from "pino";
import type { BrokerContext } from "../broker-context.js";
import type { ConnectionInfo } from "../network/connection.js";

/** Everything one request's handler may use. */
export interface RequestContext {
  readonly broker: BrokerContext;
  readonly connection: ConnectionInfo;
  readonly header: RequestHeader;
  readonly logger: Logger;
  /**
   * Registers a callback run once the response's bytes have left for the
   * socket (or the request failed, or gets no response): how a handler
   * returns borrowed buffers, e.g. pooled log reads put into a Fetch response.
   * Absent where responses are not written to a socket (then never release).
   */
  readonly onResponseWritten?: (release: () => void) => void;
}

/**
 * One Kafka API. `minVersion`..`maxVersion` is what ApiVersions advertises;
 * `handle` returns the response body, or null when the request gets no
 * response at all (Produce with acks=0).
 */
export interface ApiHandler<K extends keyof RequestByApiKey & keyof ResponseByApiKey = keyof RequestByApiKey & keyof ResponseByApiKey> {
  readonly apiKey: K;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(ctx: RequestContext, request: RequestByApiKey[K], version: number): Promise<ResponseByApiKey[K] | null> | ResponseByApiKey[K] | null;
}

/** Keeps the literal apiKey type so request and response types are checked. */
export function defineHandler<K extends keyof RequestByApiKey & keyof ResponseByApiKey>(h: ApiHandler<K>): ApiHandler<K> {
  return h;
}
