import { describe, expect, it } from "vitest";
import {
  ApiKey,
  API_SCHEMAS,
  decodeRequestFrame,
  decodeRequestHeader,
  encodeRequestHeader,
  encodeResponseFrame,
  ProtocolDecodeError,
  readResponseCorrelationId,
  Reader,
  requestHeaderVersion,
  responseHeaderVersion,
  UnsupportedVersionError,
  Writer,
} from "@samsa/protocol";

describe("header versions", () => {
  it("follow flexibility, with ApiVersions responses always on header v0", () => {
    expect(requestHeaderVersion(ApiKey.Produce, 8)).toBe(1);
    expect(requestHeaderVersion(ApiKey.Produce, 9)).toBe(2);
    expect(responseHeaderVersion(ApiKey.Produce, 8)).toBe(0);
    expect(responseHeaderVersion(ApiKey.Produce, 9)).toBe(1);
    expect(requestHeaderVersion(ApiKey.ApiVersions, 3)).toBe(2);
    expect(responseHeaderVersion(ApiKey.ApiVersions, 3)).toBe(0);
    // A newer ApiVersions request than we know still parses with header v2.
    expect(requestHeaderVersion(ApiKey.ApiVersions, 99)).toBe(2);
    expect(requestHeaderVersion(9999, 0)).toBe(1);
  });

  it("API table facts", () => {
    const produce = API_SCHEMAS[ApiKey.Produce]!;
    expect(produce.name).toBe("Produce");
    expect(produce.validVersions.min).toBe(0);
    expect(produce.flexibleMinVersion).toBe(9);
    expect(API_SCHEMAS[ApiKey.ApiVersions]!.flexibleMinVersion).toBe(3);
    expect(API_SCHEMAS[2000]).toBeUndefined();
  });
});

describe("request headers", () => {
  it("v2 header keeps a non-compact nullable client id and skips unknown tagged fields", () => {
    // Metadata v9 (flexible): key 3, version 9, correlation 5, null client id, one unknown tag.
    const buf = Buffer.from("0003 0009 00000005 ffff 01 07 01 aa".replace(/ /g, ""), "hex");
    const r = new Reader(buf);
    expect(decodeRequestHeader(r)).toEqual({ requestApiKey: 3, requestApiVersion: 9, correlationId: 5, clientId: null });
    expect(r.remaining).toBe(0);
  });

  it("round-trips through encodeRequestHeader", () => {
    const w = new Writer();
    encodeRequestHeader(w, { requestApiKey: 1, requestApiVersion: 13, correlationId: -7, clientId: "client-é" });
    expect(decodeRequestHeader(new Reader(w.toBuffer()))).toEqual({
      requestApiKey: 1,
      requestApiVersion: 13,
      correlationId: -7,
      clientId: "client-é",
    });
  });

  it("truncated headers are decode errors", () => {
    expect(() => decodeRequestHeader(new Reader(Buffer.from("0003", "hex")))).toThrow(ProtocolDecodeError);
    expect(() => decodeRequestHeader(new Reader(Buffer.from("00030009000000", "hex")))).toThrow(ProtocolDecodeError);
  });
});

describe("frames", () => {
  it("unsupported API keys and versions raise UnsupportedVersionError", () => {
    const unknownKey = Buffer.from("7fff 0000 00000001 ffff".replace(/ /g, ""), "hex");
    expect(() => decodeRequestFrame(unknownKey)).toThrow(UnsupportedVersionError);
    // Produce v99 would be flexible, so its header (v2) ends with a tagged-field count.
    const tooNew = Buffer.from("0000 0063 00000001 ffff 00".replace(/ /g, ""), "hex");
    expect(() => decodeRequestFrame(tooNew)).toThrow(UnsupportedVersionError);
    expect(() => encodeResponseFrame(1, ApiKey.Produce, 99, { responses: [] })).toThrow(UnsupportedVersionError);
  });

  it("response frames start with the size then the correlation id", () => {
    const chunks = encodeResponseFrame(123, ApiKey.Metadata, 12, { brokers: [], topics: [], controllerId: 1 });
    const frame = Buffer.concat(chunks);
    expect(frame.readInt32BE(0)).toBe(frame.length - 4);
    expect(readResponseCorrelationId(frame.subarray(4))).toBe(123);
    // Header v1: an empty tagged-field section follows the correlation id.
    expect(frame[8]).toBe(0);
  });
});
