import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { PYTHON } from "./compat-checks.js";

const MAX_STDERR_CHARS = 20_000;

/**
 * Talks to one of the Python client drivers in ./python/ over its JSON line
 * protocol (see python/driver_loop.py). One command at a time; each call has
 * its own time bound and fails with the driver's stderr tail.
 */
export class PythonDriver {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly answers: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private stderr = "";
  private exited = false;

  constructor(script: string, args: string[]) {
    const path = fileURLToPath(new URL(`./python/${script}`, import.meta.url));
    this.child = spawn(PYTHON, ["-u", path, ...args], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } });
    this.child.stderr.setEncoding("utf8");
    this.child.stderr.on("data", (text: string) => {
      this.stderr = (this.stderr + text).slice(-MAX_STDERR_CHARS);
    });
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      if (this.waiting) {
        const deliver = this.waiting;
        this.waiting = undefined;
        deliver(line);
      } else this.answers.push(line);
    });
    this.child.once("exit", () => {
      this.exited = true;
      this.waiting?.(undefined);
      this.waiting = undefined;
    });
  }

  stderrTail(chars = 3_000): string {
    return this.stderr.slice(-chars);
  }

  async call<T>(op: string, args: Record<string, unknown>, timeoutMs: number): Promise<T> {
    if (this.waiting) throw new Error(`PythonDriver.call(${op}): another call is still waiting`);
    if (this.exited) throw new Error(`PythonDriver.call(${op}): the driver exited\n${this.stderrTail()}`);
    this.child.stdin.write(`${JSON.stringify({ op, ...args })}\n`);
    const line = await new Promise<string | undefined>((resolve, reject) => {
      const queued = this.answers.shift();
      if (queued !== undefined) return resolve(queued);
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`python driver: no answer to ${op} within ${timeoutMs} ms\n--- driver stderr ---\n${this.stderrTail()}`));
      }, timeoutMs);
      this.waiting = (answer) => {
        clearTimeout(timer);
        resolve(answer);
      };
    });
    if (line === undefined) throw new Error(`python driver exited during ${op}\n--- driver stderr ---\n${this.stderrTail()}`);
    const answer = JSON.parse(line) as { ok: true; result: T } | { ok: false; error: string };
    if (!answer.ok) throw new Error(`python driver ${op} failed: ${answer.error}\n--- driver stderr ---\n${this.stderrTail()}`);
    return answer.result;
  }

  /** Asks the driver to exit and waits (bounded); kills it otherwise. */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    try {
      if (!this.waiting) await this.call("exit", {}, timeoutMs);
    } catch {
      // fall through to the kill below
    }
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
