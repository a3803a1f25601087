import { ProtocolDecodeError, UnsupportedVersionError } from "./errors.js";
import { API_SCHEMAS, ApiKey, type ApiSchema, type RequestByApiKey, type ResponseByApiKey } from "./generated/api-keys.js";
import {
  decodeRequestHeader as decodeRequestHeaderAt,
  encodeRequestHeader as encodeRequestHeaderAt,
  type RequestHeader,
} from "./generated/messages/request-header.js";
import {
  decodeResponseHeader as decodeResponseHeaderAt,
  encodeResponseHeader as encodeResponseHeaderAt,
} from "./generated/messages/response-header.js";
import { Reader } from "./wire/reader.js";
import { Writer } from "./wire/writer.js";

export type { RequestHeader };

function isFlexible(apiKey: number, apiVersion: number): boolean {
  const schema = API_SCHEMAS[apiKey];
  return schema !== undefined && schema.flexibleMinVersion !== null && apiVersion >= schema.flexibleMinVersion;
}

/**
 * Request header version for an API version: 2 (tagged fields) for flexible
 * versions, else 1. Versions newer than we know count as flexible when the API
 * already is, so an ApiVersions request from a newer client still parses.
 * (ControlledShutdown v0's header v0 is not supported.)
 */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  return isFlexible(apiKey, apiVersion) ? 2 : 1;
}

/** Response header version: 1 for flexible versions, else 0; ApiVersions responses always use 0. */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  return isFlexible(apiKey, apiVersion) ? 1 : 0;
}

/**
 * Writes a request header; the header version defaults to the one the API version
 * needs. The client id always uses the non-compact nullable string form.
 */
export function encodeRequestHeader(
  w: Writer,
  header: RequestHeader,
  headerVersion = requestHeaderVersion(header.requestApiKey, header.requestApiVersion),
): void {
  encodeRequestHeaderAt(w, header, headerVersion);
}

/** Reads a request header, choosing its version from the API key and version it starts with. */
export function decodeRequestHeader(r: Reader): RequestHeader {
  if (r.remaining < 4) throw new ProtocolDecodeError(`request header truncated: ${r.remaining} bytes`);
  const apiKey = r.buf.readInt16BE(r.pos);
  const apiVersion = r.buf.readInt16BE(r.pos + 2);
  return decodeRequestHeaderAt(r, requestHeaderVersion(apiKey, apiVersion));
}

export function encodeResponseHeader(w: Writer, correlationId: number, headerVersion: number): void {
  encodeResponseHeaderAt(w, { correlationId }, headerVersion);
}

export function decodeResponseHeader(r: Reader, headerVersion: number): { correlationId: number } {
  return decodeResponseHeaderAt(r, headerVersion);
}

/** The schema of `apiKey`, checking that `apiVersion` is one this codebase speaks. */
export function checkedApiSchema(apiKey: number, apiVersion: number): ApiSchema {
  const schema = API_SCHEMAS[apiKey];
  if (schema === undefined) throw new UnsupportedVersionError(`unknown API key ${apiKey}`);
  if (apiVersion < schema.validVersions.min || apiVersion > schema.validVersions.max) {
    throw new UnsupportedVersionError(
      `${schema.name} version ${apiVersion} is outside ${schema.validVersions.min}-${schema.validVersions.max}`,
    );
  }
  return schema;
}

type KnownApiKey = keyof RequestByApiKey & keyof ResponseByApiKey;

/**
 * A complete request frame: 4-byte size, header, body. Returned as chunks so
 * record bytes in the body are not copied; write them to the socket in order.
 */
export function encodeRequestFrame<K extends KnownApiKey>(
  header: RequestHeader & { requestApiKey: K },
  body: RequestByApiKey[K],
): Buffer[] {
  const schema = checkedApiSchema(header.requestApiKey, header.requestApiVersion);
  const w = new Writer();
  const size = w.reserveInt32();
  encodeRequestHeader(w, header);
  schema.encodeRequest(w, body, header.requestApiVersion);
  w.fillInt32(size, w.byteLength - 4);
  return w.toChunks();
}

/** A decoded request frame (the bytes after the size prefix). */
export interface DecodedRequest {
  header: RequestHeader;
  /** The request body; narrow it with `header.requestApiKey` and `RequestByApiKey`. */
  body: unknown;
}

/**
 * Decodes a request frame without its size prefix. Throws `UnsupportedVersionError`
 * for unknown APIs or versions (after the header parsed, so a broker can still
 * answer with the correlation id) and `ProtocolDecodeError` for malformed bytes.
 */
export function decodeRequestFrame(frame: Buffer): DecodedRequest {
  const r = new Reader(frame);
  const header = decodeRequestHeader(r);
  const schema = checkedApiSchema(header.requestApiKey, header.requestApiVersion);
  return { header, body: schema.decodeRequest(r, header.requestApiVersion) };
}

/** A complete response frame: 4-byte size, header (version chosen per API), body; as chunks. */
export function encodeResponseFrame<K extends KnownApiKey>(
  correlationId: number,
  apiKey: K,
  apiVersion: number,
  response: ResponseByApiKey[K],
): Buffer[] {
  const schema = checkedApiSchema(apiKey, apiVersion);
  const w = new Writer();
  const size = w.reserveInt32();
  encodeResponseHeader(w, correlationId, responseHeaderVersion(apiKey, apiVersion));
  schema.encodeResponse(w, response, apiVersion);
  w.fillInt32(size, w.byteLength - 4);
  return w.toChunks();
}

/** The correlation id of a response frame (without size prefix); it is first in every header version. */
export function readResponseCorrelationId(frame: Buffer): number {
  if (frame.length < 4) throw new ProtocolDecodeError(`response frame of ${frame.length} bytes has no header`);
  return frame.readInt32BE(0);
}

/** Decodes a response frame (without its size prefix) for the request's API key and version. */
export function decodeResponseFrame<K extends KnownApiKey>(
  frame: Buffer,
  apiKey: K,
  apiVersion: number,
): { correlationId: number; response: ResponseByApiKey[K] } {
  const schema = checkedApiSchema(apiKey, apiVersion);
  const r = new Reader(frame);
  const { correlationId } = decodeResponseHeader(r, responseHeaderVersion(apiKey, apiVersion));
  return { correlationId, response: schema.decodeResponse(r, apiVersion) as ResponseByApiKey[K] };
}
