import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { IN_CI } from "./e2e-env.js";

const run = promisify(execFile);
export const COMPOSE_FILE = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "docker", "docker-compose.yml");
const VERSION_TIMEOUT_MS = 30_000;

/** `docker compose` (v2 plugin) when installed, else the standalone `docker-compose`; null when neither. */
async function findCompose(): Promise<string[] | null> {
  for (const command of [["docker", "compose"], ["docker-compose"]]) {
    try {
      await run(command[0]!, [...command.slice(1), "version"], { timeout: VERSION_TIMEOUT_MS });
      return command;
    } catch {
      // try the next one
    }
  }
  return null;
}

/**
 * The compose command when the container tests can run and one is installed.
 * In CI a missing compose fails the run; elsewhere the caller skips with `what` printed.
 */
export async function composeCommand(dockerUnavailable: string | null, what: string): Promise<string[] | null> {
  if (dockerUnavailable !== null) return null;
  const compose = await findCompose();
  if (compose === null) {
    if (IN_CI) throw new Error("CI is set but neither `docker compose` nor `docker-compose` is installed");
    process.stderr.write(`test-e2e: neither \`docker compose\` nor \`docker-compose\` is installed; skipping ${what}\n`);
  }
  return compose;
}

/** Runs the compose command with `args`; rejects on a non-zero exit status (stderr in the message). */
export function runCompose(compose: readonly string[], args: readonly string[], options: { timeoutMs: number; env?: Record<string, string> }) {
  return run(compose[0]!, [...compose.slice(1), ...args], { timeout: options.timeoutMs, env: { ...process.env, ...options.env } });
}
