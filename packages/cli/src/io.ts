import type { OutputSink } from "./output.js";

/** Everything a command touches outside itself, so tests can run `main()` in-process. */
export interface CliIo {
  stdout: OutputSink;
  stderr: OutputSink;
  stdin: AsyncIterable<Buffer | string>;
  env: NodeJS.ProcessEnv;
  /** Aborted when the user asks to stop (SIGINT/SIGTERM); long-running commands watch it. */
  interrupted: AbortSignal;
}

/**
 * The real process. The first SIGINT/SIGTERM aborts `interrupted` so the
 * running command can stop cleanly; a second one exits at once.
 */
export function processIo(): CliIo {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(signal === "SIGINT" ? 130 : 143);
    controller.abort(new Error(`received ${signal}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    stdout: { write: (text) => void process.stdout.write(text) },
    stderr: { write: (text) => void process.stderr.write(text) },
    stdin: process.stdin,
    env: process.env,
    interrupted: controller.signal,
  };
}

/** Resolves when `signal` aborts (never rejects). */
export function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
