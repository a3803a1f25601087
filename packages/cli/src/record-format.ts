/** A consumed record as the CLI prints it. */
export interface PrintableRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: ReadonlyArray<{ key: string; value: Buffer | null }>;
}

export const FORMAT_PRESETS: Record<string, string> = {
  value: "%v\\n",
  "key-value": "%k\\t%v\\n",
  full: "%t/%p@%o\\t%T\\tkey=%k\\theaders=%h\\t%v\\n",
};

const NULL_TEXT = "null";

function text(b: Buffer | null): string {
  return b === null ? NULL_TEXT : b.toString("utf8");
}

/**
 * kcat-style format string: %t topic, %p partition, %o offset, %T timestamp
 * (ms), %k key, %v value, %h headers (k=v,...), %K/%S key/value size (-1 for
 * null), %% a percent sign; \n \t \\ escapes.
 */
export function compileFormat(format: string): (r: PrintableRecord) => string {
  const spec = FORMAT_PRESETS[format] ?? format;
  const parts: Array<string | ((r: PrintableRecord) => string)> = [];
  let literal = "";
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    if (c === "\\" && i + 1 < spec.length) {
      const n = spec[++i]!;
      literal += n === "n" ? "\n" : n === "t" ? "\t" : n === "r" ? "\r" : n === "0" ? "\0" : n;
      continue;
    }
    if (c !== "%" || i + 1 >= spec.length) {
      literal += c;
      continue;
    }
    const field = spec[++i]!;
    const fn = FIELD[field];
    if (field === "%" || !fn) {
      literal += field === "%" ? "%" : `%${field}`;
      continue;
    }
    if (literal) parts.push(literal);
    literal = "";
    parts.push(fn);
  }
  if (literal) parts.push(literal);
  return (r) => parts.map((p) => (typeof p === "string" ? p : p(r))).join("");
}

const FIELD: Record<string, (r: PrintableRecord) => string> = {
  t: (r) => r.topic,
  p: (r) => String(r.partition),
  o: (r) => String(r.offset),
  T: (r) => String(r.timestamp),
  k: (r) => text(r.key),
  v: (r) => text(r.value),
  h: (r) => r.headers.map((h) => `${h.key}=${text(h.value)}`).join(","),
  K: (r) => String(r.key === null ? -1 : r.key.length),
  S: (r) => String(r.value === null ? -1 : r.value.length),
};

export type BytesEncoding = "utf8" | "base64";

/** The `--json` shape of one record: one object per line. */
export function recordJson(r: PrintableRecord, encoding: BytesEncoding) {
  const enc = (b: Buffer | null) => (b === null ? null : b.toString(encoding));
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: enc(r.key),
    value: enc(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: enc(h.value) })),
  };
}
