import { describe, expect, it } from "vitest";
import { UsageError } from "../src/args.js";
import { readLines } from "../src/line-reader.js";
import { compileFormat, recordJson, type PrintableRecord } from "../src/record-format.js";

async function* chunks(...parts: Array<string | Buffer>) {
  for (const p of parts) yield p;
}

async function collect(it: AsyncIterable<string>) {
  const out: string[] = [];
  for await (const line of it) out.push(line);
  return out;
}

describe("readLines", () => {
  it("splits across chunk boundaries, strips CR, keeps a final unterminated line", async () => {
    expect(await collect(readLines(chunks("a\r\nb", "c\n", "\n", "last")))).toEqual(["a", "bc", "", "last"]);
  });

  it("decodes UTF-8 split inside a multi-byte character", async () => {
    const bytes = Buffer.from("héllo\n", "utf8");
    expect(await collect(readLines(chunks(bytes.subarray(0, 2), bytes.subarray(2))))).toEqual(["héllo"]);
  });

  it("refuses a line longer than the bound", async () => {
    await expect(collect(readLines(chunks("x".repeat(20)), 10))).rejects.toBeInstanceOf(UsageError);
  });
});

const record: PrintableRecord = {
  topic: "t",
  partition: 2,
  offset: 41,
  timestamp: 1700000000000,
  key: Buffer.from("k1"),
  value: Buffer.from("hello"),
  headers: [
    { key: "h", value: Buffer.from("v") },
    { key: "n", value: null },
  ],
};

describe("record formats", () => {
  it("prints the value by default and supports kcat-style fields", () => {
    expect(compileFormat("value")(record)).toBe("hello\n");
    expect(compileFormat("%t %p %o %T %k %K %S %h 100%%\\n")(record)).toBe("t 2 41 1700000000000 k1 2 5 h=v,n=null 100%\n");
    expect(compileFormat("full")({ ...record, key: null })).toBe("t/2@41\t1700000000000\tkey=null\theaders=h=v,n=null\thello\n");
  });

  it("leaves unknown % sequences as written", () => {
    expect(compileFormat("%x%")(record)).toBe("%x%");
  });

  it("gives a stable JSON shape with null keys and chosen byte encoding", () => {
    expect(recordJson({ ...record, key: null }, "utf8")).toEqual({
      topic: "t",
      partition: 2,
      offset: 41,
      timestamp: 1700000000000,
      key: null,
      value: "hello",
      headers: [
        { key: "h", value: "v" },
        { key: "n", value: null },
      ],
    });
    expect(recordJson(record, "base64").value).toBe(Buffer.from("hello").toString("base64"));
  });
});
