#!/usr/bin/env node
// Generates the TypeScript codecs in src/generated/ from Kafka's JSON message
// schemas and error-code table (shared/kafka-protocol). Output is deterministic
// and committed, so a clone builds without the schema folder; a test checks that
// regenerating produces identical files.
//
// Usage: node packages/protocol/scripts/generate.mjs [--schemas DIR] [--out DIR] [--fixtures DIR]

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_SCHEMAS_DIR = resolve(PACKAGE_DIR, "../../../shared/kafka-protocol");
const DEFAULT_OUT_DIR = join(PACKAGE_DIR, "src/generated");
// Field shapes of every message, for the round-trip tests (which must run without the schemas).
const SHAPES_FILE = "message-shapes.json";
const DEFAULT_FIXTURES_DIR = join(PACKAGE_DIR, "test/fixtures");

// Java exception classes that extend RetriableException (directly or through
// InvalidMetadataException / RefreshRetriableException) in Kafka's clients.
const RETRIABLE_EXCEPTIONS = new Set([
  "CorruptRecordException",
  "UnknownTopicOrPartitionException",
  "LeaderNotAvailableException",
  "NotLeaderOrFollowerException",
  "TimeoutException",
  "ReplicaNotAvailableException",
  "NetworkException",
  "CoordinatorLoadInProgressException",
  "CoordinatorNotAvailableException",
  "NotCoordinatorException",
  "NotEnoughReplicasException",
  "NotEnoughReplicasAfterAppendException",
  "NotControllerException",
  "ConcurrentTransactionsException",
  "KafkaStorageException",
  "FetchSessionIdNotFoundException",
  "InvalidFetchSessionEpochException",
  "ListenerNotFoundException",
  "FencedLeaderEpochException",
  "UnknownLeaderEpochException",
  "OffsetNotAvailableException",
  "PreferredLeaderNotAvailableException",
  "EligibleLeadersNotAvailableException",
  "ElectionNotNeededException",
  "UnstableOffsetCommitException",
  "ThrottlingQuotaExceededException",
  "UnknownTopicIdException",
  "InconsistentTopicIdException",
  "FetchSessionTopicIdException",
  "ShareSessionNotFoundException",
  "InvalidShareSessionEpochException",
]);

const INT_TYPES = {
  int8: { min: -128, max: 127, w: "int8" },
  int16: { min: -32768, max: 32767, w: "int16" },
  uint16: { min: 0, max: 65535, w: "uint16" },
  int32: { min: -2147483648, max: 2147483647, w: "int32" },
  uint32: { min: 0, max: 4294967295, w: "uint32" },
  int64: { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, w: "int64" },
};
const PRIMITIVES = new Set([...Object.keys(INT_TYPES), "bool", "float64", "string", "bytes", "records", "uuid"]);

// ---------------------------------------------------------------- parsing

function stripComments(text) {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === "\\") out += text[++i];
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else {
      out += c;
    }
  }
  return out;
}

/** "3+" | "0-2" | "5" | "none" → {min, max} (max Infinity when open) or null. */
function parseRange(spec) {
  if (spec === undefined || spec === "none" || spec === "") return null;
  const s = String(spec);
  if (s.endsWith("+")) return { min: Number(s.slice(0, -1)), max: Infinity };
  const dash = s.indexOf("-");
  if (dash >= 0) return { min: Number(s.slice(0, dash)), max: Number(s.slice(dash + 1)) };
  return { min: Number(s), max: Number(s) };
}

function intersect(a, b) {
  if (!a || !b) return null;
  const min = Math.max(a.min, b.min);
  const max = Math.min(a.max, b.max);
  return min <= max ? { min, max } : null;
}

/** Versions of `ctx` outside `r` (only where that is one interval, which the schemas guarantee). */
function minus(ctx, r) {
  if (!r) return ctx;
  const below = r.min > ctx.min ? { min: ctx.min, max: Math.min(ctx.max, r.min - 1) } : null;
  const above = r.max < ctx.max ? { min: Math.max(ctx.min, r.max + 1), max: ctx.max } : null;
  if (below && above) throw new Error(`range ${JSON.stringify(r)} splits ${JSON.stringify(ctx)}`);
  return below ?? above;
}

/** A JS condition for "version is in r", given that version is known to be in ctx. */
function cond(r, ctx) {
  const i = intersect(r, ctx);
  if (!i) return "false";
  const parts = [];
  if (i.min > ctx.min) parts.push(`version >= ${i.min}`);
  if (i.max < ctx.max) parts.push(`version <= ${i.max}`);
  return parts.length === 0 ? "true" : parts.join(" && ");
}

function lowerCamel(name) {
  return name[0].toLowerCase() + name.slice(1);
}

function kebab(name) {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").replace(/([A-Z])([A-Z][a-z])/g, "$1-$2").toLowerCase();
}

function rangeText(r) {
  if (!r) return "none";
  if (r.max === Infinity) return `${r.min}+`;
  return r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`;
}

// ---------------------------------------------------------------- model

/**
 * One generated structure: the message itself or a nested/common struct.
 * `ctx` is the version range in which its codec can be called.
 */
function buildMessage(schema) {
  const valid = parseRange(schema.validVersions);
  const flex = parseRange(schema.flexibleVersions);
  const structs = new Map(); // schema struct name -> struct
  const commonDefs = new Map((schema.commonStructs ?? []).map((c) => [c.name, c]));
  const order = [];

  function defineStruct(schemaName, tsName, fields, versions) {
    if (structs.has(schemaName)) throw new Error(`${schema.name}: struct ${schemaName} defined twice`);
    const struct = { schemaName, tsName, ctx: intersect(versions, valid), fields: [] };
    structs.set(schemaName, struct);
    order.push(struct);
    struct.fields = fields.map((f) => buildField(f, struct));
    return struct;
  }

  function structRef(typeName, field) {
    if (field.fields) {
      return defineStruct(typeName, schema.name + typeName, field.fields, parseRange(field.versions));
    }
    if (structs.has(typeName)) return structs.get(typeName);
    const common = commonDefs.get(typeName);
    if (!common) throw new Error(`${schema.name}: unknown struct type ${typeName}`);
    return defineStruct(typeName, schema.name + typeName, common.fields, parseRange(common.versions ?? "0+"));
  }

  function buildField(f, owner) {
    const isArray = f.type.startsWith("[]");
    const base = isArray ? f.type.slice(2) : f.type;
    const field = {
      name: f.name,
      prop: lowerCamel(f.name),
      versions: parseRange(f.versions),
      nullable: parseRange(f.nullableVersions),
      tagged: f.tag !== undefined ? parseRange(f.taggedVersions) : null,
      tag: f.tag,
      flexOverride: f.flexibleVersions !== undefined ? parseRange(f.flexibleVersions) : undefined,
      zeroCopy: f.zeroCopy === true,
      rawDefault: f.default,
      isArray,
      base,
      struct: null,
    };
    if (!field.versions) throw new Error(`${schema.name}.${f.name}: no versions`);
    if (!PRIMITIVES.has(base)) field.struct = structRef(base, f);
    if (field.tagged && (field.tagged.min !== field.versions.min || field.tagged.max !== field.versions.max)) {
      throw new Error(`${schema.name}.${f.name}: tagged versions differ from versions (unsupported)`);
    }
    if (owner.fields.some((o) => o.prop === field.prop)) throw new Error(`${schema.name}.${f.name}: duplicate`);
    return field;
  }

  const root = { schemaName: schema.name, tsName: schema.name, ctx: valid, fields: [] };
  structs.set(schema.name, root);
  order.unshift(root);
  root.fields = schema.fields.map((f) => buildField(f, root));
  return { schema, valid, flex, root, structs: order };
}

// ---------------------------------------------------------------- types and defaults

function elemTsType(field) {
  if (field.struct) return field.struct.tsName;
  switch (field.base) {
    case "bool":
      return "boolean";
    case "string":
    case "uuid":
      return "string";
    case "bytes":
      return "Buffer";
    case "records":
      return "Buffer | Buffer[]";
    default:
      return "number";
  }
}

function tsType(field) {
  const elem = elemTsType(field);
  const t = field.isArray ? (elem.includes(" ") ? `(${elem})[]` : `${elem}[]`) : elem;
  const nullable = field.nullable;
  const scalar = !field.isArray && !field.struct && (field.base === "bool" || INT_TYPES[field.base] || field.base === "float64");
  return nullable && !scalar ? `${t} | null` : t;
}

function intDefault(field) {
  const d = field.rawDefault;
  if (d === undefined) return 0;
  const s = String(d).trim();
  const v = /^-?0x/i.test(s) ? (s.startsWith("-") ? -parseInt(s.slice(1), 16) : parseInt(s, 16)) : Number(s);
  const lim = INT_TYPES[field.base];
  if (!Number.isInteger(v) || v < lim.min || v > lim.max) throw new Error(`bad default ${d} for ${field.name}`);
  return v;
}

function isNullDefault(field) {
  return field.rawDefault === "null";
}

/** TS expression for a field's schema default. */
function defaultExpr(field) {
  if (field.isArray) return isNullDefault(field) ? "null" : "[]";
  if (field.struct) return isNullDefault(field) ? "null" : `default${field.struct.tsName}()`;
  switch (field.base) {
    case "bool":
      return String(field.rawDefault === true || field.rawDefault === "true");
    case "float64":
      return String(field.rawDefault === undefined ? 0 : Number(field.rawDefault));
    case "string":
      if (isNullDefault(field)) return "null";
      return JSON.stringify(field.rawDefault === undefined ? "" : String(field.rawDefault));
    case "bytes":
      return isNullDefault(field) ? "null" : "EMPTY_BYTES";
    case "records":
      return "null";
    case "uuid":
      return "ZERO_UUID";
    default:
      return String(intDefault(field));
  }
}

/** TS condition that `v` differs from the field's default (for writing tagged fields). */
function notDefaultExpr(field, v) {
  if (field.isArray) return isNullDefault(field) ? `${v} !== null` : `${v}.length > 0`;
  if (field.struct) return isNullDefault(field) ? `${v} !== null` : `!isDefault${field.struct.tsName}(${v})`;
  if (field.base === "bytes") return isNullDefault(field) ? `${v} !== null` : `${v}.length > 0`;
  if (field.base === "records") return `${v} !== null`;
  return `${v} !== ${defaultExpr(field)}`;
}

/** TS condition that `v` equals the field's default. */
function isDefaultExpr(field, v) {
  if (field.isArray) return isNullDefault(field) ? `${v} === null` : `${v}.length === 0`;
  if (field.struct) return isNullDefault(field) ? `${v} === null` : `isDefault${field.struct.tsName}(${v})`;
  if (field.base === "bytes") return isNullDefault(field) ? `${v} === null` : `${v}.length === 0`;
  if (field.base === "records") return `${v} === null`;
  return `${v} === ${defaultExpr(field)}`;
}

/** A field is optional in the interface when some versions lack it, it is tagged, or it defaults to null. */
function isOptional(field, struct) {
  if (field.tagged) return true;
  if (isNullDefault(field)) return true;
  const present = intersect(field.versions, struct.ctx);
  return !present || present.min > struct.ctx.min || present.max < struct.ctx.max;
}

// ---------------------------------------------------------------- code emission helpers

class Out {
  constructor() {
    this.lines = [];
    this.depth = 0;
  }
  line(s = "") {
    this.lines.push(s === "" ? "" : "  ".repeat(this.depth) + s);
  }
  open(s) {
    this.line(s);
    this.depth++;
  }
  close(s = "}") {
    this.depth--;
    this.line(s);
  }
  text() {
    return this.lines.join("\n") + "\n";
  }
}

/** Chooses code by a version condition, narrowing the known version range in each branch. */
function branch(out, r, ctx, emit) {
  const c = cond(r, ctx);
  if (c === "true") return emit(true, ctx);
  if (c === "false") return emit(false, ctx);
  const inside = intersect(r, ctx);
  const outside = minus(ctx, inside);
  const capture = (value, range) => {
    const sub = new Out();
    sub.depth = out.depth + 1;
    const saved = out.lines;
    const savedDepth = out.depth;
    out.lines = sub.lines;
    out.depth = sub.depth;
    emit(value, range);
    out.lines = saved;
    out.depth = savedDepth;
    return sub.lines;
  };
  const yes = capture(true, inside);
  const no = capture(false, outside);
  if (yes.length === 0 && no.length === 0) return;
  if (no.length === 0) {
    out.open(`if (${c}) {`);
    out.lines.push(...yes);
    out.close();
  } else if (yes.length === 0) {
    out.open(`if (!(${c})) {`);
    out.lines.push(...no);
    out.close();
  } else if (JSON.stringify(yes) === JSON.stringify(no)) {
    out.lines.push(...yes.map((l) => (l === "" ? l : l.slice(2))));
  } else {
    out.open(`if (${c}) {`);
    out.lines.push(...yes);
    out.depth--;
    out.open("} else {");
    out.lines.push(...no);
    out.close();
  }
}

/** Expression form of `branch`. */
function branchExpr(r, ctx, make) {
  const c = cond(r, ctx);
  if (c === "true") return make(true, ctx);
  if (c === "false") return make(false, ctx);
  const inside = intersect(r, ctx);
  return `(${c} ? ${make(true, inside)} : ${make(false, minus(ctx, inside))})`;
}

/** Fixed-size values are encoded the same way in flexible and non-flexible versions. */
function isFixedSize(field) {
  return !field.isArray && !field.struct && !["string", "bytes", "records"].includes(field.base);
}

function flexRangeOf(field, msg) {
  return field.flexOverride !== undefined ? field.flexOverride : msg.flex;
}

// ---------------------------------------------------------------- encoders

function writePrimitive(out, field, w, v, flexible, nullable) {
  // Nullable in some versions but not this one: the writer rejects null at run time.
  if (!nullable && field.nullable) v = /^[\w.]+$/.test(v) ? `${v}!` : `(${v})!`;
  switch (field.base) {
    case "bool":
      return out.line(`${w}.boolean(${v});`);
    case "float64":
      return out.line(`${w}.float64(${v});`);
    case "uuid":
      return out.line(`${w}.uuid(${v});`);
    case "string": {
      const m = flexible ? (nullable ? "compactNullableString" : "compactString") : nullable ? "nullableString" : "string";
      return out.line(`${w}.${m}(${v});`);
    }
    case "bytes": {
      const m = flexible ? (nullable ? "compactNullableBytes" : "compactBytes") : nullable ? "nullableBytes" : "bytes";
      return out.line(`${w}.${m}(${v});`);
    }
    case "records":
      return out.line(`${w}.${flexible ? "compactRecords" : "records"}(${v});`);
    default:
      return out.line(`${w}.${INT_TYPES[field.base].w}(${v});`);
  }
}

/** Emits code writing value `v` of `field`, with version known to be in ctx. */
function emitEncodeValue(out, msg, field, w, v, ctx) {
  const flexR = isFixedSize(field) ? null : flexRangeOf(field, msg);
  if (field.isArray) {
    const elemField = { ...field, isArray: false, nullable: null };
    const writeLength = (n) =>
      branch(out, flexR, ctx, (flexible) => out.line(`${w}.${flexible ? "compactArrayLength" : "arrayLength"}(${n});`));
    const emitItems = () => {
      out.open(`for (const e of ${v}) {`);
      if (field.struct) out.line(`encode${field.struct.tsName}(${w}, e, version);`);
      else branch(out, flexR, ctx, (flexible) => writePrimitive(out, elemField, w, "e", flexible, false));
      out.close();
    };
    const nullCond = cond(field.nullable, ctx);
    if (nullCond === "false") {
      writeLength(`${v}.length`);
      emitItems();
    } else {
      out.open(`if (${v} === null) {`);
      if (nullCond === "true") writeLength("null");
      else {
        out.line(`if (!(${nullCond})) throw new TypeError("non-nullable field ${msg.schema.name}.${field.name} is null");`);
        writeLength("null");
      }
      out.depth--;
      out.open("} else {");
      writeLength(`${v}.length`);
      emitItems();
      out.close();
    }
    return;
  }
  if (field.struct) {
    branch(out, field.nullable, ctx, (nullable) => {
      if (nullable) {
        out.open(`if (${v} === null) {`);
        out.line(`${w}.int8(-1);`);
        out.depth--;
        out.open("} else {");
        out.line(`${w}.int8(1);`);
        out.line(`encode${field.struct.tsName}(${w}, ${v}, version);`);
        out.close();
      } else {
        out.line(`encode${field.struct.tsName}(${w}, ${v}, version);`);
      }
    });
    return;
  }
  branch(out, flexR, ctx, (flexible, ctx1) =>
    branch(out, field.nullable, ctx1, (nullable) => writePrimitive(out, field, w, v, flexible, nullable)),
  );
}

function valueOf(field, struct) {
  if (!isOptional(field, struct)) return `m.${field.prop}`;
  // `??` would also replace an explicit null, which nullable fields must keep.
  if (field.nullable && defaultExpr(field) !== "null") {
    return `m.${field.prop} === undefined ? ${defaultExpr(field)} : m.${field.prop}`;
  }
  return `m.${field.prop} ?? ${defaultExpr(field)}`;
}

function emitEncoder(out, msg, struct, exported) {
  const fn = `encode${struct.tsName}`;
  out.open(`${exported ? "export " : ""}function ${fn}(w: Writer, m: ${struct.tsName}, version: number): void {`);
  const ctx = struct.ctx;
  const regular = struct.fields.filter((f) => !f.tagged);
  const tagged = struct.fields.filter((f) => f.tagged).sort((a, b) => a.tag - b.tag);
  for (const f of regular) {
    const present = intersect(f.versions, ctx);
    if (!present) continue;
    branchPresent(out, f, ctx, (ctx1) => {
      const v = valueOf(f, struct);
      if ((v.includes(" ?? ") || v.includes(" === undefined ")) && (f.isArray || f.struct)) {
        out.line(`const _${f.prop} = ${v};`);
        emitEncodeValue(out, msg, f, "w", `_${f.prop}`, ctx1);
      } else {
        emitEncodeValue(out, msg, f, "w", v, ctx1);
      }
    });
  }
  branch(out, msg.flex, ctx, (flexible, ctx1) => {
    if (!flexible) return;
    if (tagged.length === 0) {
      out.line("w.emptyTaggedFields();");
      return;
    }
    const has = [];
    for (const f of tagged) {
      const c = cond(f.versions, ctx1);
      if (c === "false") continue;
      out.line(`const _${f.prop} = m.${f.prop};`);
      const notDef = notDefaultExpr(f, `_${f.prop}`);
      out.line(`const has_${f.prop} = ${c === "true" ? "" : `${c} && `}_${f.prop} !== undefined && ${notDef};`);
      has.push(f);
    }
    out.line(`w.uvarint(${has.map((f) => `(has_${f.prop} ? 1 : 0)`).join(" + ") || "0"});`);
    for (const f of has) {
      out.open(`if (has_${f.prop}) {`);
      out.line("const tw = new Writer(64);");
      emitEncodeValue(out, msg, f, "tw", `_${f.prop}!`, intersect(f.versions, ctx1));
      out.line(`w.taggedField(${f.tag}, tw);`);
      out.close();
    }
  });
  out.close();
}

function branchPresent(out, f, ctx, emit) {
  const c = cond(f.versions, ctx);
  if (c === "true") return emit(ctx);
  out.open(`if (${c}) {`);
  emit(intersect(f.versions, ctx));
  out.close();
}

// ---------------------------------------------------------------- decoders

function readPrimitiveExpr(field, flexible, nullable) {
  const zc = field.zeroCopy || field.base === "records";
  switch (field.base) {
    case "bool":
      return "r.boolean()";
    case "float64":
      return "r.float64()";
    case "uuid":
      return "r.uuid()";
    case "string":
      return flexible
        ? nullable
          ? "r.compactNullableString()"
          : "r.compactString()"
        : nullable
          ? "r.nullableString()"
          : "r.string()";
    case "bytes":
    case "records": {
      const nul = nullable;
      const base = flexible ? (nul ? "compactNullableBytes" : "compactBytes") : nul ? "nullableBytes" : "bytes";
      return `r.${base}${zc ? "View" : ""}()`;
    }
    default:
      return `r.${INT_TYPES[field.base].w}()`;
  }
}

/** Expression reading a non-array field (version known to be in ctx). */
function readExpr(msg, field, ctx) {
  return branchExpr(isFixedSize(field) ? null : flexRangeOf(field, msg), ctx, (flexible, ctx1) =>
    branchExpr(field.nullable, ctx1, (nullable) => {
      if (field.struct) {
        const call = `decode${field.struct.tsName}(r, version)`;
        return nullable ? `(r.int8() < 0 ? null : ${call})` : call;
      }
      return readPrimitiveExpr(field, flexible, nullable);
    }),
  );
}

/** Statements assigning a decoded array to `target` (version known to be in ctx). */
function emitReadArray(out, msg, field, target, ctx) {
  const flexR = flexRangeOf(field, msg);
  const lengthExpr = branchExpr(flexR, ctx, (flexible) => (flexible ? "r.compactArrayLength()" : "r.arrayLength()"));
  out.line(`const n = ${stripParens(lengthExpr)};`);
  const nullCond = cond(field.nullable, ctx);
  out.open("if (n < 0) {");
  const fail = `throw new ProtocolDecodeError("non-nullable field ${msg.schema.name}.${field.name} is null");`;
  if (nullCond === "true") out.line(`${target} = null;`);
  else if (nullCond === "false") out.line(fail);
  else {
    out.line(`if (!(${nullCond})) ${fail}`);
    out.line(`${target} = null;`);
  }
  out.depth--;
  out.open("} else {");
  const elem = elemTsType(field);
  out.line(`const items: ${elem.includes(" ") ? `(${elem})` : elem}[] = [];`);
  const elemRead = field.struct
    ? `decode${field.struct.tsName}(r, version)`
    : branchExpr(isFixedSize({ ...field, isArray: false }) ? null : flexR, ctx, (flexible) =>
        readPrimitiveExpr({ ...field, isArray: false }, flexible, false),
      );
  out.line(`for (let i = 0; i < n; i++) items.push(${stripParens(elemRead)});`);
  out.line(`${target} = items;`);
  out.close();
}

function stripParens(expr) {
  return expr.startsWith("(") && expr.endsWith(")") && balancedInside(expr) ? expr.slice(1, -1) : expr;
}

function balancedInside(expr) {
  let depth = 0;
  for (let i = 0; i < expr.length; i++) {
    if (expr[i] === "(") depth++;
    else if (expr[i] === ")") depth--;
    if (depth === 0 && i < expr.length - 1) return false;
  }
  return true;
}

function emitDecoder(out, msg, struct, exported) {
  const fn = `decode${struct.tsName}`;
  out.open(`${exported ? "export " : ""}function ${fn}(r: Reader, version: number): ${struct.tsName} {`);
  const ctx = struct.ctx;
  const regular = struct.fields.filter((f) => !f.tagged);
  const tagged = struct.fields.filter((f) => f.tagged).sort((a, b) => a.tag - b.tag);
  for (const f of regular) {
    const c = cond(f.versions, ctx);
    if (f.isArray) {
      if (c === "false") {
        out.line(`const _${f.prop}: ${tsType(f)} = ${defaultExpr(f)};`);
        continue;
      }
      out.line(`let _${f.prop}: ${tsType(f)} = ${defaultExpr(f)};`);
      if (c === "true") {
        out.open("{");
      } else {
        out.open(`if (${c}) {`);
      }
      emitReadArray(out, msg, f, `_${f.prop}`, intersect(f.versions, ctx));
      out.close();
    } else if (c === "true") {
      out.line(`const _${f.prop} = ${stripParens(readExpr(msg, f, ctx))};`);
    } else if (c === "false") {
      out.line(`const _${f.prop}: ${tsType(f)} = ${defaultExpr(f)};`);
    } else {
      out.line(`const _${f.prop}: ${tsType(f)} = ${c} ? ${readExpr(msg, f, intersect(f.versions, ctx))} : ${defaultExpr(f)};`);
    }
  }
  for (const f of tagged) out.line(`let _${f.prop}: ${tsType(f)} = ${defaultExpr(f)};`);
  branch(out, msg.flex, ctx, (flexible, ctx1) => {
    if (!flexible) return;
    const known = tagged.filter((f) => intersect(f.versions, ctx1));
    if (known.length === 0) {
      out.line("r.skipTaggedFields();");
      return;
    }
    out.line("const numTaggedFields = r.uvarint();");
    out.open("for (let t = 0; t < numTaggedFields; t++) {");
    out.line("const tag = r.uvarint();");
    out.line("const size = r.uvarint();");
    out.line("const end = r.pos + size;");
    out.open("switch (tag) {");
    for (const f of known) {
      out.open(`case ${f.tag}: {`);
      const c = cond(f.versions, ctx1);
      const fctx = intersect(f.versions, ctx1);
      if (c !== "true") {
        out.open(`if (!(${c})) {`);
        out.line("r.skip(size);");
        out.line("break;");
        out.close();
      }
      if (f.isArray) emitReadArray(out, msg, f, `_${f.prop}`, fctx);
      else out.line(`_${f.prop} = ${stripParens(readExpr(msg, f, fctx))};`);
      out.line(`r.expectPosition(end, "${msg.schema.name}.${f.name}");`);
      out.line("break;");
      out.close();
    }
    out.open("default:");
    out.line("r.skip(size);");
    out.depth--;
    out.close();
    out.close();
  });
  out.line(`return { ${struct.fields.map((f) => `${f.prop}: _${f.prop}`).join(", ")} };`);
  out.close();
}

function emitDefaults(out, struct) {
  out.open(`function default${struct.tsName}(): ${struct.tsName} {`);
  out.line(`return { ${struct.fields.map((f) => `${f.prop}: ${defaultExpr(f)}`).join(", ")} };`);
  out.close();
}

function emitIsDefault(out, struct) {
  out.open(`function isDefault${struct.tsName}(m: ${struct.tsName}): boolean {`);
  const parts = struct.fields.map((f) => `(m.${f.prop} === undefined || ${isDefaultExpr(f, `m.${f.prop}`)})`);
  out.line(`return ${parts.join(" &&\n" + "  ".repeat(out.depth + 2))};`);
  out.close();
}

// ---------------------------------------------------------------- files

const HEADER = "// Generated by packages/protocol/scripts/generate.mjs from the Apache Kafka\n// protocol definitions. Do not edit; run `npm run generate`.\n";

function describe(field) {
  const parts = [`versions ${rangeText(field.versions)}`];
  if (field.nullable) parts.push(`nullable ${rangeText(field.nullable)}`);
  if (field.tagged) parts.push(`tagged (tag ${field.tag})`);
  if (field.rawDefault !== undefined) parts.push(`default ${JSON.stringify(field.rawDefault)}`);
  return parts.join(", ");
}

function messageFile(msg) {
  const out = new Out();
  const { schema } = msg;
  out.line(HEADER.trimEnd());
  const src = [...msg.structs.flatMap((s) => s.fields)];
  const needs = (pred) => src.some(pred);
  const usesDecodeError = src.some((f) => f.isArray && !f.nullable);
  const wireImports = ["Writer"];
  out.line(`import { Reader } from "../../wire/reader.js";`);
  out.line(`import { ${wireImports.join(", ")} } from "../../wire/writer.js";`);
  if (needs((f) => f.base === "uuid")) out.line(`import { ZERO_UUID } from "../../wire/uuid.js";`);
  if (usesDecodeError) out.line(`import { ProtocolDecodeError } from "../../errors.js";`);
  out.line();
  if (needs((f) => f.base === "bytes" && !f.isArray && !isNullDefault(f))) {
    out.line("const EMPTY_BYTES = Buffer.alloc(0);");
    out.line();
  }
  // Interfaces
  for (const struct of msg.structs) {
    const isRoot = struct === msg.root;
    const what = isRoot
      ? `${schema.name}${schema.apiKey !== undefined ? ` (API key ${schema.apiKey})` : ""}: versions ${rangeText(msg.valid)}, flexible ${rangeText(msg.flex)}.`
      : `${struct.schemaName} in ${schema.name}, versions ${rangeText(struct.ctx)}.`;
    out.line(`/** ${what} */`);
    out.open(`export interface ${struct.tsName} {`);
    for (const f of struct.fields) {
      out.line(`/** ${describe(f)} */`);
      out.line(`${f.prop}${isOptional(f, struct) ? "?" : ""}: ${tsType(f)};`);
    }
    out.close();
    out.line();
  }
  // Defaults for struct-valued fields and default checks for tagged structs.
  const defaultNeeded = new Set();
  const isDefaultNeeded = new Set();
  const markIsDefault = (s) => {
    if (isDefaultNeeded.has(s)) return;
    isDefaultNeeded.add(s);
    for (const f of s.fields) if (f.struct && !f.isArray && !isNullDefault(f)) markIsDefault(f.struct);
  };
  for (const f of src) {
    if (f.struct && !f.isArray && !isNullDefault(f)) defaultNeeded.add(f.struct);
    if (f.struct && !f.isArray && f.tagged && !isNullDefault(f)) markIsDefault(f.struct);
  }
  for (const struct of msg.structs) {
    if (defaultNeeded.has(struct)) {
      emitDefaults(out, struct);
      out.line();
    }
    if (isDefaultNeeded.has(struct)) {
      emitIsDefault(out, struct);
      out.line();
    }
  }
  for (const struct of msg.structs) {
    emitEncoder(out, msg, struct, struct === msg.root);
    out.line();
    emitDecoder(out, msg, struct, struct === msg.root);
    out.line();
  }
  out.lines.pop();
  return out.text();
}

function apiKeysFile(pairs) {
  const out = new Out();
  out.line(HEADER.trimEnd());
  out.line(`import type { Reader } from "../wire/reader.js";`);
  out.line(`import type { Writer } from "../wire/writer.js";`);
  for (const p of pairs) {
    const req = p.req.schema.name;
    const res = p.res.schema.name;
    const names = [`type ${req}`, `type ${res}`, `encode${req}`, `decode${req}`, `encode${res}`, `decode${res}`];
    out.line(`import { ${names.join(", ")} } from "./messages/${kebab(req)}.js";`);
  }
  out.line();
  out.line("/** Kafka API keys by API name. */");
  out.open("export const ApiKey = {");
  for (const p of pairs) out.line(`${p.apiName}: ${p.apiKey},`);
  out.close("} as const;");
  out.line("export type ApiKeyValue = (typeof ApiKey)[keyof typeof ApiKey];");
  out.line();
  out.line("/** Codecs and version facts of one API. */");
  out.open("export interface ApiSchema<Req = any, Res = any> {");
  out.line("readonly apiKey: number;");
  out.line("readonly name: string;");
  out.line("readonly validVersions: { readonly min: number; readonly max: number };");
  out.line("/** First flexible version (compact encodings, tagged fields, header v2/v1), or null if none. */");
  out.line("readonly flexibleMinVersion: number | null;");
  out.line("/** Listeners Kafka serves the API on: \"broker\", \"controller\", \"zkBroker\". */");
  out.line("readonly listeners: readonly string[];");
  out.line("/** Kafka marks the newest version as still under development. */");
  out.line("readonly latestVersionUnstable: boolean;");
  out.line("readonly encodeRequest: (w: Writer, m: Req, version: number) => void;");
  out.line("readonly decodeRequest: (r: Reader, version: number) => Req;");
  out.line("readonly encodeResponse: (w: Writer, m: Res, version: number) => void;");
  out.line("readonly decodeResponse: (r: Reader, version: number) => Res;");
  out.close();
  out.line();
  out.line("/** Request body type by API key. */");
  out.open("export interface RequestByApiKey {");
  for (const p of pairs) out.line(`${p.apiKey}: ${p.req.schema.name};`);
  out.close();
  out.line();
  out.line("/** Response body type by API key. */");
  out.open("export interface ResponseByApiKey {");
  for (const p of pairs) out.line(`${p.apiKey}: ${p.res.schema.name};`);
  out.close();
  out.line();
  out.line("/** Every API indexed by its key; `undefined` at unused keys. */");
  out.open("export const API_SCHEMAS: ReadonlyArray<ApiSchema | undefined> = (() => {");
  out.line("const table: (ApiSchema | undefined)[] = [];");
  const maxKey = Math.max(...pairs.map((p) => p.apiKey));
  out.line(`table.length = ${maxKey + 1};`);
  for (const p of pairs) {
    const flexMin = p.req.flex ? p.req.flex.min : null;
    out.open(`table[${p.apiKey}] = {`);
    out.line(`apiKey: ${p.apiKey},`);
    out.line(`name: ${JSON.stringify(p.apiName)},`);
    out.line(`validVersions: { min: ${p.req.valid.min}, max: ${p.req.valid.max} },`);
    out.line(`flexibleMinVersion: ${flexMin},`);
    out.line(`listeners: ${JSON.stringify(p.req.schema.listeners ?? [])},`);
    out.line(`latestVersionUnstable: ${p.req.schema.latestVersionUnstable === true},`);
    out.line(`encodeRequest: encode${p.req.schema.name},`);
    out.line(`decodeRequest: decode${p.req.schema.name},`);
    out.line(`encodeResponse: encode${p.res.schema.name},`);
    out.line(`decodeResponse: decode${p.res.schema.name},`);
    out.close("};");
  }
  out.line("return table;");
  out.close("})();");
  out.line();
  out.open("export function apiSchema(apiKey: number): ApiSchema | undefined {");
  out.line("return API_SCHEMAS[apiKey];");
  out.close();
  return out.text();
}

function errorCodesFile(tsvText) {
  const rows = tsvText
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => {
      const [code, name, javaException] = line.split("\t");
      return { code: Number(code), name, javaException };
    });
  for (const r of rows) if (!Number.isInteger(r.code) || !/^[A-Z_]+$/.test(r.name)) throw new Error(`bad error row ${r.name}`);
  const known = new Set(rows.map((r) => r.javaException));
  for (const e of RETRIABLE_EXCEPTIONS) if (!known.has(e)) throw new Error(`retriable exception ${e} not in table`);
  const out = new Out();
  out.line(HEADER.trimEnd());
  out.line();
  out.line("/** Kafka protocol error codes by name. */");
  out.open("export const ErrorCode = {");
  for (const r of rows) out.line(`${r.name}: ${r.code},`);
  out.close("} as const;");
  out.line("export type ErrorCodeName = keyof typeof ErrorCode;");
  out.line("export type ErrorCodeValue = (typeof ErrorCode)[ErrorCodeName];");
  out.line();
  out.line("/** Names of the error codes Kafka clients retry (their Java exception is a RetriableException). */");
  out.open("export const RETRIABLE_ERROR_NAMES: ReadonlySet<ErrorCodeName> = new Set<ErrorCodeName>([");
  for (const r of rows) if (RETRIABLE_EXCEPTIONS.has(r.javaException)) out.line(`"${r.name}",`);
  out.close("]);");
  out.line();
  out.line("/** Java exception class Kafka maps each error code to (for messages and docs). */");
  out.open("export const ERROR_EXCEPTION_NAMES: Readonly<Record<ErrorCodeName, string | null>> = {");
  for (const r of rows) out.line(`${r.name}: ${r.javaException === "-" ? "null" : JSON.stringify(r.javaException)},`);
  out.close("};");
  out.line();
  out.line("const NAMES_BY_CODE = new Map<number, ErrorCodeName>(");
  out.line("  (Object.keys(ErrorCode) as ErrorCodeName[]).map((name) => [ErrorCode[name], name]),");
  out.line(");");
  out.line();
  out.line("/** The name of an error code, or `UNKNOWN_ERROR_CODE_<n>` for codes not in the table. */");
  out.open("export function errorCodeName(code: number): string {");
  out.line("return NAMES_BY_CODE.get(code) ?? `UNKNOWN_ERROR_CODE_${code}`;");
  out.close();
  out.line();
  out.open("export function isRetriableErrorCode(code: number): boolean {");
  out.line("const name = NAMES_BY_CODE.get(code);");
  out.line("return name !== undefined && RETRIABLE_ERROR_NAMES.has(name);");
  out.close();
  return out.text();
}

function indexFile(names) {
  const out = new Out();
  out.line(HEADER.trimEnd());
  for (const n of names) out.line(`export * from "./messages/${kebab(n)}.js";`);
  out.line(`export * from "./api-keys.js";`);
  out.line(`export * from "./error-codes.js";`);
  return out.text();
}

// ---------------------------------------------------------------- shapes fixture

function rangeJson(r) {
  return r ? [r.min, r.max === Infinity ? null : r.max] : null;
}

function shapeOfStruct(struct) {
  return struct.fields.map((f) => ({
    prop: f.prop,
    type: f.base,
    array: f.isArray,
    versions: rangeJson(f.versions),
    nullable: rangeJson(f.nullable),
    tag: f.tagged ? f.tag : null,
    default: f.rawDefault ?? null,
    ...(f.struct ? { fields: shapeOfStruct(f.struct) } : {}),
  }));
}

function shapesFile(messages) {
  const shapes = messages.map((m) => ({
    name: m.schema.name,
    type: m.schema.type,
    apiKey: m.schema.apiKey ?? null,
    validVersions: rangeJson(m.valid),
    flexibleVersions: rangeJson(m.flex),
    fields: shapeOfStruct(m.root),
  }));
  return "[\n" + shapes.map((s) => JSON.stringify(s)).join(",\n") + "\n]\n";
}

// ---------------------------------------------------------------- main

export function generate(schemasDir, outDir, fixturesDir) {
  const messagesDir = join(schemasDir, "messages");
  const files = readdirSync(messagesDir)
    .filter((f) => f.endsWith(".json"))
    .sort();
  const messages = files.map((f) => buildMessage(JSON.parse(stripComments(readFileSync(join(messagesDir, f), "utf8")))));
  const byName = new Map(messages.map((m) => [m.schema.name, m]));

  // A request and its response share one file named after the request.
  const pairs = [];
  for (const m of messages) {
    if (m.schema.type !== "request") continue;
    const apiName = m.schema.name.replace(/Request$/, "");
    const res = byName.get(`${apiName}Response`);
    if (!res || res.schema.apiKey !== m.schema.apiKey) throw new Error(`no response for ${m.schema.name}`);
    pairs.push({ apiName, apiKey: m.schema.apiKey, req: m, res });
  }
  pairs.sort((a, b) => a.apiKey - b.apiKey);
  const seenTypes = new Set();
  for (const m of messages) {
    for (const s of m.structs) {
      if (seenTypes.has(s.tsName)) throw new Error(`type name ${s.tsName} generated twice`);
      seenTypes.add(s.tsName);
    }
  }

  const files_ = new Map();
  const fileNames = [];
  for (const m of messages) {
    if (m.schema.type === "response") continue;
    const name = m.schema.name;
    // A request and its response share one module.
    const parts = [messageFile(m)];
    if (m.schema.type === "request") parts.push(messageFile(byName.get(name.replace(/Request$/, "Response"))));
    // Header codecs are wrapped by the hand-written src/headers.ts, which picks header versions.
    if (m.schema.type !== "header") fileNames.push(name);
    files_.set(`messages/${kebab(name)}.ts`, mergeModule(parts));
  }
  files_.set("api-keys.ts", apiKeysFile(pairs));
  files_.set("error-codes.ts", errorCodesFile(readFileSync(join(schemasDir, "error-codes.tsv"), "utf8")));
  files_.set("index.ts", indexFile(fileNames.sort()));

  rmSync(outDir, { recursive: true, force: true });
  for (const [rel, text] of [...files_].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const path = join(outDir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  mkdirSync(fixturesDir, { recursive: true });
  writeFileSync(join(fixturesDir, SHAPES_FILE), shapesFile(messages));
  return [...files_.keys()].sort();
}

/** Joins a request and response module, hoisting all imports to the top. */
function mergeModule(parts) {
  const imports = new Set();
  const constants = new Set();
  const bodies = [];
  for (const part of parts) {
    const body = [];
    for (const line of part.split("\n")) {
      if (line.startsWith("import ")) imports.add(line);
      else if (line.startsWith("const EMPTY_BYTES")) constants.add(line);
      else if (line.startsWith("// Generated by") || line.startsWith("// protocol definitions")) continue;
      else body.push(line);
    }
    bodies.push(body.join("\n").trim());
  }
  const sortedImports = [...imports].sort((a, b) => importPath(a).localeCompare(importPath(b)));
  const head = [HEADER.trimEnd(), ...sortedImports].join("\n");
  return [head, ...constants, ...bodies].join("\n\n") + "\n";
}

function importPath(line) {
  return line.slice(line.indexOf(" from "));
}

function parseArgs(argv) {
  const args = { schemas: DEFAULT_SCHEMAS_DIR, out: DEFAULT_OUT_DIR, fixtures: DEFAULT_FIXTURES_DIR };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--schemas") args.schemas = resolve(argv[++i]);
    else if (argv[i] === "--out") args.out = resolve(argv[++i]);
    else if (argv[i] === "--fixtures") args.fixtures = resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2));
  const written = generate(args.schemas, args.out, args.fixtures);
  console.log(`generated ${written.length} files into ${args.out}`);
}
