import { describe, expect, it } from "vitest";
import { asStringList, defaultBootstrapServer, parseBootstrapServers, parseKeyValues, UsageError } from "../src/args.js";
import { describeError, exitCodeFor } from "../src/error-report.js";
import { formatBytes, formatJsonLine, formatTable } from "../src/output.js";
import { PerfStats, percentile } from "../src/perf-stats.js";

describe("formatTable", () => {
  it("aligns columns, right-aligns numeric columns and shows missing cells as -", () => {
    const text = formatTable(
      ["TOPIC", "PARTITION", "REPLICAS"],
      [
        ["orders", 0, [1, 2]],
        ["a", 10, null],
      ],
    );
    expect(text).toBe(["TOPIC   PARTITION  REPLICAS", "orders          0  1,2", "a              10  -", ""].join("\n"));
  });

  it("prints only the header for an empty table", () => {
    expect(formatTable(["A", "B"], [])).toBe("A  B\n");
  });
});

describe("output helpers", () => {
  it("writes one JSON document per line", () => {
    expect(formatJsonLine({ a: 1 })).toBe('{"a":1}\n');
  });
  it("formats byte counts with binary units", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.50 KiB");
    expect(formatBytes(5 * 1024 * 1024)).toBe("5.00 MiB");
  });
});

describe("argument parsing", () => {
  it("splits k=v at the first '=' and keeps order", () => {
    expect(parseKeyValues(["a=1", "b=x=y", "a=2"], "config")).toEqual([
      ["a", "1"],
      ["b", "x=y"],
      ["a", "2"],
    ]);
    expect(() => parseKeyValues(["novalue"], "config")).toThrow(UsageError);
    expect(() => parseKeyValues(["=v"], "config")).toThrow(/--config expects key=value/);
  });

  it("normalises repeatable options", () => {
    expect(asStringList(undefined)).toEqual([]);
    expect(asStringList("x")).toEqual(["x"]);
    expect(asStringList(["x", 2])).toEqual(["x", "2"]);
  });

  it("validates bootstrap servers and reads the default from the environment", () => {
    expect(parseBootstrapServers("a:1, b:2")).toEqual(["a:1", "b:2"]);
    expect(() => parseBootstrapServers("nohost")).toThrow(UsageError);
    expect(() => parseBootstrapServers("h:99999")).toThrow(UsageError);
    expect(defaultBootstrapServer({})).toBe("localhost:9092");
    expect(defaultBootstrapServer({ SAMSA_BOOTSTRAP_SERVER: "x:1" })).toBe("x:1");
  });
});

describe("error reports", () => {
  it("names the Kafka error when the broker sent one", () => {
    const err = Object.assign(new Error("topic already exists"), { errorName: "TOPIC_ALREADY_EXISTS", errorCode: 36 });
    expect(describeError(err, false)).toBe("error: TOPIC_ALREADY_EXISTS (36): topic already exists");
    expect(exitCodeFor(err)).toBe(1);
  });
  it("keeps usage errors short and gives them exit status 2", () => {
    const err = new UsageError("--partitions must be positive");
    expect(describeError(err, false)).toBe("error: --partitions must be positive");
    expect(exitCodeFor(err)).toBe(2);
  });
});

describe("PerfStats", () => {
  it("computes rates and nearest-rank latency percentiles", () => {
    const stats = new PerfStats(0);
    for (let i = 1; i <= 100; i++) stats.record(1, 1024 * 1024, i);
    const s = stats.summary(2000);
    expect(s.records).toBe(100);
    expect(s.recordsPerSec).toBe(50);
    expect(s.mbPerSec).toBe(50);
    expect(s.latencyMs).toEqual({ avg: 50.5, p50: 50, p95: 95, p99: 99, p999: 100, max: 100 });
  });

  it("thins latency samples evenly once the bound is reached", () => {
    const stats = new PerfStats(0, 100);
    for (let i = 1; i <= 10_000; i++) stats.record(1, 1, i);
    const l = stats.summary(1000).latencyMs!;
    expect(l.max).toBe(10_000);
    expect(l.avg).toBe(5000.5);
    expect(Math.abs(l.p50 - 5000)).toBeLessThan(300);
  });

  it("reports no latency for consumers", () => {
    const stats = new PerfStats(0);
    stats.record(10, 100);
    expect(stats.summary(1000).latencyMs).toBeNull();
    expect(percentile([], 0.5)).toBe(0);
  });
});
