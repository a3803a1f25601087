import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Reader, Writer, ZERO_UUID } from "@samsa/protocol";
import * as generated from "../src/generated/index.js";
import * as requestHeader from "../src/generated/messages/request-header.js";
import * as responseHeader from "../src/generated/messages/response-header.js";

// Builds a sample message for every schema and version from the field shapes the
// generator records, then checks encode → decode gives the message back, the
// decoder consumes every byte, and re-encoding reproduces the same bytes.

interface FieldShape {
  prop: string;
  type: string;
  array: boolean;
  versions: [number, number | null];
  nullable: [number, number | null] | null;
  tag: number | null;
  default: string | number | boolean | null;
  fields?: FieldShape[];
}
interface MessageShape {
  name: string;
  type: string;
  validVersions: [number, number];
  fields: FieldShape[];
}

const shapes: MessageShape[] = JSON.parse(
  readFileSync(new URL("./fixtures/message-shapes.json", import.meta.url), "utf8"),
);
type Codec = { encode: (w: Writer, m: unknown, v: number) => void; decode: (r: Reader, v: number) => unknown };
const modules: Record<string, unknown> = { ...generated, ...requestHeader, ...responseHeader };

function codecOf(name: string): Codec {
  const encode = modules[`encode${name}`];
  const decode = modules[`decode${name}`];
  if (typeof encode !== "function" || typeof decode !== "function") throw new Error(`no codec for ${name}`);
  return { encode: encode as Codec["encode"], decode: decode as Codec["decode"] };
}

function inRange(range: [number, number | null] | null, v: number): boolean {
  return range !== null && v >= range[0] && (range[1] === null || v <= range[1]);
}

function defaultOf(f: FieldShape): unknown {
  const d = f.default;
  if (f.array) return d === "null" ? null : [];
  if (f.fields) return d === "null" ? null : Object.fromEntries(f.fields.map((c) => [c.prop, defaultOf(c)]));
  switch (f.type) {
    case "bool":
      return d === true || d === "true";
    case "string":
      return d === "null" ? null : d === null ? "" : String(d);
    case "bytes":
      return d === "null" ? null : Buffer.alloc(0);
    case "records":
      return null;
    case "uuid":
      return ZERO_UUID;
    default:
      return d === null ? 0 : Number(d);
  }
}

const SAMPLE_UUID = "AAECAwQFBgcICQoLDA0ODw";

function sampleScalar(f: FieldShape, seed: number): unknown {
  switch (f.type) {
    case "bool":
      return !defaultOf({ ...f, array: false });
    case "int8":
      return -(seed % 100) - 2;
    case "int16":
      return 300 + seed;
    case "uint16":
      return 65000 + (seed % 500);
    case "int32":
      return 70000 + seed;
    case "int64":
      return 2 ** 40 + seed;
    case "float64":
      return 2.5 + seed;
    case "string":
      return `${f.prop}-é-${seed}`;
    case "bytes":
      return Buffer.from([1, 2, 3, seed & 0xff]);
    case "records":
      return Buffer.from([9, 8, 7, 6, seed & 0xff]);
    case "uuid":
      return SAMPLE_UUID;
    default:
      throw new Error(`no sample for ${f.type}`);
  }
}

type Mode = "full" | "nulls";

function sampleStruct(fields: FieldShape[], v: number, mode: Mode, seed: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  fields.forEach((f, i) => {
    out[f.prop] = inRange(f.versions, v) ? sampleField(f, v, mode, seed * 7 + i + 1) : defaultOf(f);
  });
  return out;
}

function sampleField(f: FieldShape, v: number, mode: Mode, seed: number): unknown {
  if (mode === "nulls" && inRange(f.nullable, v)) return null;
  if (f.array) {
    if (mode === "nulls") return [];
    const elem = { ...f, array: false, nullable: null };
    return [0, 1].map((i) => (f.fields ? sampleStruct(f.fields, v, mode, seed + i) : sampleScalar(elem, seed + i)));
  }
  if (f.fields) return sampleStruct(f.fields, v, mode, seed);
  return sampleScalar(f, seed);
}

describe("generated codecs round-trip every message at every version", () => {
  for (const shape of shapes) {
    it(`${shape.name} v${shape.validVersions[0]}-${shape.validVersions[1]}`, () => {
      const codec = codecOf(shape.name);
      for (let v = shape.validVersions[0]; v <= shape.validVersions[1]; v++) {
        for (const mode of ["full", "nulls"] as const) {
          const sample = sampleStruct(shape.fields, v, mode, v + 1);
          const w = new Writer(16);
          codec.encode(w, sample, v);
          const bytes = w.toBuffer();
          const r = new Reader(bytes);
          const decoded = codec.decode(r, v);
          expect(decoded, `${shape.name} v${v} ${mode}`).toEqual(sample);
          expect(r.remaining, `${shape.name} v${v} ${mode}: bytes left`).toBe(0);
          const again = new Writer();
          codec.encode(again, decoded, v);
          expect(again.toBuffer().equals(bytes), `${shape.name} v${v} ${mode}: re-encoding differs`).toBe(true);
        }
      }
    });
  }

  it("covers every API in API_SCHEMAS", () => {
    const names = new Set(shapes.map((s) => s.name));
    for (const schema of generated.API_SCHEMAS) {
      if (!schema) continue;
      expect(names.has(`${schema.name}Request`)).toBe(true);
      expect(names.has(`${schema.name}Response`)).toBe(true);
    }
    expect(generated.API_SCHEMAS.filter(Boolean).length).toBe(shapes.filter((s) => s.type === "request").length);
  });

  it("encoders fill omitted optional fields with schema defaults", () => {
    const w = new Writer();
    generated.encodeProduceResponse(
      w,
      { responses: [{ name: "t", partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 5 }] }] },
      11,
    );
    const decoded = generated.decodeProduceResponse(new Reader(w.toBuffer()), 11);
    const p = decoded.responses[0]!.partitionResponses[0]!;
    expect(p.logAppendTimeMs).toBe(-1);
    expect(p.logStartOffset).toBe(-1);
    expect(p.errorMessage).toBeNull();
    expect(p.recordErrors).toEqual([]);
    expect(p.currentLeader).toEqual({ leaderId: -1, leaderEpoch: -1 });
    expect(decoded.throttleTimeMs).toBe(0);
  });
});
