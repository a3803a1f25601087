#!/usr/bin/env node
// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the functions with the
// most self time, so a profile can be read (and pasted into a README) without
// opening DevTools.
//
//   node scripts/cpuprofile-top.mjs <file.cpuprofile> [count=20]
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Self time per function (name + source location), largest first. With
 * `window` ({ fromUs, toUs } on the monotonic clock the profile's timestamps
 * use, i.e. process.hrtime), only samples inside it count: a phase of a
 * run without the process's start-up.
 */
export function topSelfTime(profile, count = 20, window = undefined) {
  const sampleMs = new Map();
  const { samples, timeDeltas } = profile;
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute it to that sample's node.
    at += timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const ms = (timeDeltas[i] ?? 0) / 1000;
    sampleMs.set(samples[i], (sampleMs.get(samples[i]) ?? 0) + ms);
  }
  const byFunction = new Map();
  let totalMs = 0;
  let idleMs = 0;
  for (const node of profile.nodes) {
    const ms = sampleMs.get(node.id) ?? 0;
    if (node.callFrame.functionName === "(idle)") {
      idleMs += ms;
      continue;
    }
    totalMs += ms;
    if (ms === 0) continue;
    const f = node.callFrame;
    const where = f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : "";
    const key = `${f.functionName || "(anonymous)"}\u0000${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
  }
  const rows = [...byFunction]
    .map(([key, ms]) => {
      const [name, where] = key.split("\u0000");
      return { name, where, ms, percent: (100 * ms) / totalMs };
    })
    .sort((a, b) => b.ms - a.ms)
    .slice(0, count);
  return { totalMs, idleMs, rows, sampledFunctions: new Set([...byFunction.keys()].map((k) => k.split("\u0000")[0])) };
}

/** Functions that run once per record: none of them may show up in the broker's produce path. */
export const PER_RECORD_FUNCTIONS = ["readRecord", "writeRecord", "iterateRecords", "readRecords", "decodeRecords", "readVarBytes", "writeVarBytes", "buildRecordBatch", "recordSizes"];

export function perRecordFunctionsIn(summary) {
  return PER_RECORD_FUNCTIONS.filter((f) => summary.sampledFunctions.has(f));
}

function shortUrl(url) {
  const path = url.startsWith("file://") ? new URL(url).pathname : url;
  return path.startsWith("/") ? relative(process.cwd(), path) : path;
}

/** Percentages are of busy time: idle (waiting for I/O) is reported apart. */
export function formatTop({ totalMs, idleMs, rows }) {
  const lines = [
    `busy ${(totalMs / 1000).toFixed(2)} s, idle ${(idleMs / 1000).toFixed(2)} s (main thread)`,
    "",
    "| self % of busy | self ms | function | location |",
    "| ---: | ---: | --- | --- |",
  ];
  for (const r of rows) lines.push(`| ${r.percent.toFixed(1)} | ${r.ms.toFixed(0)} | \`${r.name}\` | ${r.where} |`);
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [file, count] = process.argv.slice(2);
  if (!file) {
    console.error("usage: cpuprofile-top.mjs <file.cpuprofile> [count]");
    process.exit(2);
  }
  console.log(formatTop(topSelfTime(JSON.parse(readFileSync(file, "utf8")), Number(count ?? 20))));
}
