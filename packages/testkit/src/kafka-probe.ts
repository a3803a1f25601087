import { connect } from "node:net";

const API_VERSIONS_KEY = 18;
const PROBE_CLIENT_ID = "samsa-testkit-probe";
const MAX_PROBE_RESPONSE_BYTES = 1024 * 1024;

export interface ProbeResult {
  /** Error code of the ApiVersions v0 response (0 when the broker is healthy). */
  errorCode: number;
}

/**
 * Builds an ApiVersions v0 request by hand (request header v1, empty body) so
 * the probe does not depend on the protocol package's codecs: any Kafka broker
 * must answer this exact request, whatever versions it supports.
 */
export function apiVersionsV0Request(correlationId: number): Buffer {
  const clientId = Buffer.from(PROBE_CLIENT_ID, "utf8");
  const bodySize = 2 + 2 + 4 + 2 + clientId.length;
  const frame = Buffer.alloc(4 + bodySize);
  let at = frame.writeInt32BE(bodySize, 0);
  at = frame.writeInt16BE(API_VERSIONS_KEY, at);
  at = frame.writeInt16BE(0, at);
  at = frame.writeInt32BE(correlationId, at);
  at = frame.writeInt16BE(clientId.length, at);
  clientId.copy(frame, at);
  return frame;
}

/**
 * Connects to a Kafka listener, sends ApiVersions v0 and reads the response's
 * correlation id and error code. Rejects on connection failure, a malformed or
 * mismatched response, or when no answer arrives within `timeoutMs`.
 */
export async function probeKafka(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const correlationId = 0x5a5a;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (error: Error | null, result?: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(result!);
    };
    const timer = setTimeout(
      () => finish(new Error(`no ApiVersions response from ${host}:${port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once("connect", () => socket.write(apiVersionsV0Request(correlationId)));
    socket.on("error", (error) => finish(error));
    socket.on("close", () => finish(new Error(`${host}:${port} closed the connection before answering ApiVersions`)));
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4) return;
      const size = received.readInt32BE(0);
      if (size < 6 || size > MAX_PROBE_RESPONSE_BYTES) {
        finish(new Error(`ApiVersions response from ${host}:${port} has an invalid size ${size}`));
        return;
      }
      if (received.length < 4 + size) return;
      const gotCorrelationId = received.readInt32BE(4);
      if (gotCorrelationId !== correlationId) {
        finish(new Error(`ApiVersions response carries correlation id ${gotCorrelationId}, expected ${correlationId}`));
        return;
      }
      finish(null, { errorCode: received.readInt16BE(8) });
    });
  });
}
