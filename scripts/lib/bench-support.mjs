// Bookkeeping the benchmark scripts share: argument checks, a work directory
// and child processes that never outlive the script, bounded child runs, and
// per-process CPU time from Linux /proc.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function positive(text, name) {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got '${text}'`);
  return n;
}

/** The comma-separated policy names of `--policies`, each checked against `known`. */
export function parsePolicies(text, known) {
  return text.split(",").map((p) => {
    if (!(p in known)) throw new Error(`unknown policy '${p}' (${Object.keys(known).join(", ")})`);
    return p;
  });
}

/**
 * A temporary work directory and a set for spawned children: on exit (also
 * after SIGINT or SIGTERM) every child still running is killed and the
 * directory removed.
 */
export function benchWorkspace(prefix) {
  const workDir = mkdtempSync(join(tmpdir(), prefix));
  const children = new Set();
  process.on("exit", () => {
    for (const c of children) c.kill("SIGKILL");
    rmSync(workDir, { recursive: true, force: true });
  });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));
  return { workDir, children };
}

/**
 * Runs `node <args>` to completion within `timeoutMs` (SIGKILL after it),
 * tracked in `children`; resolves with its stdout, rejects with its output on
 * a non-zero exit.
 */
export function runNode(children, args, { timeoutMs, nodeArgs = [], label = args.slice(0, 3).join(" ") }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${label} exited with ${code ?? signal}\n${stderr}${stdout}`));
    });
  });
}

/** The last line of `stdout` that is a JSON object (or, with `arrays`, array): a perf tool's summary. */
export function lastJsonLine(stdout, { arrays = false } = {}) {
  const line = stdout.trim().split("\n").filter((l) => l.startsWith("{") || (arrays && l.startsWith("["))).pop();
  if (!line) throw new Error(`no JSON summary in output:\n${stdout}`);
  return JSON.parse(line);
}

export function round(n) {
  return Math.round(n * 100) / 100;
}

function clockTicks() {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
}

const CLOCK_TICKS_PER_SEC = clockTicks();

/** User + system CPU time of a process so far (Linux /proc), or NaN where unavailable. */
export function processCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SEC;
  } catch {
    return NaN;
  }
}
