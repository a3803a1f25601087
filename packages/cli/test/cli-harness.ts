import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBrokerConfig, silentLogger, startBroker } from "@samsa/broker";
import { main } from "../src/main.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `samsa <argv>` in-process with captured output and the given stdin. */
export async function runCli(argv: string[], options: { stdin?: string; signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: { write: (t) => void (stdout += t) },
    stderr: { write: (t) => void (stderr += t) },
    stdin: (async function* () {
      if (options.stdin !== undefined) yield Buffer.from(options.stdin);
    })(),
    env: options.env ?? {},
    interrupted: options.signal ?? new AbortController().signal,
  });
  return { code, stdout, stderr };
}

export async function startTestBroker() {
  const dir = mkdtempSync(join(tmpdir(), "samsa-cli-test-"));
  const config = loadBrokerConfig({ overrides: ["listeners=PLAINTEXT://127.0.0.1:0", `log.dirs=${dir}`] });
  const broker = await startBroker(config, { logger: silentLogger() });
  return {
    broker,
    bootstrap: `127.0.0.1:${broker.port}`,
    async close() {
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
