import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BROKER_NODE_FLAGS } from "./broker-node-flags.js";
import { findFreePort } from "./free-port.js";
import { probeKafka } from "./kafka-probe.js";

/** The repository root, found from this file's place in packages/testkit/{src,dist}/. */
export const repoRoot: string = fileURLToPath(new URL("../../../", import.meta.url));

/** The samsa CLI entry point that `server start` runs from. */
export const cliEntryPoint: string = join(repoRoot, "packages", "cli", "dist", "main.js");

const HOST = "127.0.0.1";
const PROBE_INTERVAL_MS = 100;
const PROBE_TIMEOUT_MS = 2_000;
const LOG_TAIL_LINES = 40;

export interface BrokerProcessOptions {
  /** Directory for `log.dirs`; a fresh temporary directory when omitted. */
  dataDir?: string;
  /** Port for the PLAINTEXT listener; a free port when omitted. */
  port?: number;
  /** Extra `--override key=value` settings (Kafka property names). */
  overrides?: Record<string, string | number | boolean>;
  /** File the broker's stdout and stderr are appended to; beside the data dir when omitted. */
  logFile?: string;
  /** Script run with `server start --override ...`; the samsa CLI when omitted (tests of the kit use a fake). */
  entryPoint?: string;
  /** How long to wait for the broker to answer ApiVersions after spawning it. */
  startTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before it SIGKILLs the broker and fails. */
  stopTimeoutMs?: number;
}

export interface BrokerProcess {
  readonly port: number;
  /** `127.0.0.1:<port>`, the bootstrap address for clients. */
  readonly bootstrap: string;
  readonly dataDir: string;
  readonly logFile: string;
  /** Pid of the current broker process (changes on restart); undefined while stopped. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Graceful stop: SIGTERM, then wait for exit. Fails if the broker needs SIGKILL. */
  stop(): Promise<void>;
  /**
   * Sends a signal. For SIGKILL (and other signals that end the process) this
   * waits for the exit; SIGSTOP/SIGCONT return once the signal is sent.
   */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Stops the broker if it runs, then starts it again on the same port and data dir. */
  restart(): Promise<void>;
  /** Last lines of the broker's log, for failure messages. */
  logTail(lines?: number): string;
  /** Stops the broker (SIGKILL if need be) and removes the temporary directory it created. */
  dispose(): Promise<void>;
}

export class BrokerProcessError extends Error {
  readonly code = "BROKER_PROCESS";
  constructor(message: string, logTail: string) {
    super(`${message}\n--- broker log tail ---\n${logTail}\n--- end of broker log ---`);
    this.name = "BrokerProcessError";
  }
}

/** Every broker spawned by this process, so none outlives a crashed test run. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of liveChildren) child.kill("SIGKILL");
  });
}

/**
 * Spawns `samsa server start` as a separate process on 127.0.0.1 and waits until
 * it answers an ApiVersions request.
 */
export async function startBrokerProcess(options: BrokerProcessOptions = {}): Promise<BrokerProcess> {
  const entryPoint = options.entryPoint ?? cliEntryPoint;
  if (!existsSync(entryPoint)) {
    throw new Error(`startBrokerProcess: ${entryPoint} does not exist; run \`npx tsc -b\` first`);
  }
  installExitHook();
  const ownDir = mkdtempSync(join(tmpdir(), "samsa-broker-"));
  const dataDir = options.dataDir ?? join(ownDir, "data");
  mkdirSync(dataDir, { recursive: true });
  const logFile = options.logFile ?? join(ownDir, "broker.log");
  const port = options.port ?? (await findFreePort(HOST));
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 15_000;

  const settings: Record<string, string> = {
    listeners: `PLAINTEXT://${HOST}:${port}`,
    "log.dirs": dataDir,
  };
  for (const [key, value] of Object.entries(options.overrides ?? {})) settings[key] = String(value);
  const args = [entryPoint, "server", "start"];
  for (const [key, value] of Object.entries(settings)) args.push("--override", `${key}=${value}`);

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const logTail = (lines = LOG_TAIL_LINES): string => {
    if (!existsSync(logFile)) return "(no log file)";
    const text = readFileSync(logFile, "utf8");
    return text.split("\n").slice(-lines - 1).join("\n");
  };

  const spawnBroker = async (): Promise<void> => {
    const logFd = openSync(logFile, "a");
    writeSync(logFd, `\n=== testkit: spawning node ${args.join(" ")} ===\n`);
    // TESTKIT_BROKER_NODE_ARGS (not SAMSA_*: those are broker settings; e.g. "--trace-gc" or "--cpu-prof") reaches the brokers' node; NODE_OPTIONS deliberately does not.
    const nodeArgs = (process.env.TESTKIT_BROKER_NODE_ARGS ?? "").split(/\s+/).filter((a) => a.length > 0);
    const spawned = spawn(process.execPath, [...BROKER_NODE_FLAGS, ...nodeArgs, ...args], {
      cwd: repoRoot,
      stdio: ["ignore", logFd, logFd],
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    closeSync(logFd);
    child = spawned;
    liveChildren.add(spawned);
    let exitDescription: string | undefined;
    exited = new Promise<void>((resolve) => {
      spawned.once("exit", (code, signal) => {
        exitDescription = signal ? `signal ${signal}` : `exit code ${code}`;
        liveChildren.delete(spawned);
        if (child === spawned) child = undefined;
        resolve();
      });
      spawned.once("error", (error) => {
        exitDescription = `spawn error: ${error.message}`;
        liveChildren.delete(spawned);
        if (child === spawned) child = undefined;
        resolve();
      });
    });

    const deadline = Date.now() + startTimeoutMs;
    let lastError = "no probe attempted";
    while (Date.now() < deadline) {
      if (exitDescription !== undefined) {
        throw new BrokerProcessError(`broker on port ${port} exited during startup (${exitDescription})`, logTail());
      }
      try {
        const { errorCode } = await probeKafka(HOST, port, Math.min(PROBE_TIMEOUT_MS, Math.max(1, deadline - Date.now())));
        if (errorCode === 0) return;
        lastError = `ApiVersions answered with error code ${errorCode}`;
      } catch (error) {
        lastError = (error as Error).message;
      }
      await sleep(PROBE_INTERVAL_MS);
    }
    spawned.kill("SIGKILL");
    await exited;
    throw new BrokerProcessError(
      `broker on port ${port} did not answer ApiVersions within ${startTimeoutMs} ms (last probe: ${lastError})`,
      logTail(),
    );
  };

  const stop = async (): Promise<void> => {
    const current = child;
    if (current === undefined) return;
    current.kill("SIGTERM");
    // A SIGSTOPped broker only acts on SIGTERM once continued.
    current.kill("SIGCONT");
    const stoppedInTime = await Promise.race([exited.then(() => true), sleep(stopTimeoutMs).then(() => false)]);
    if (!stoppedInTime) {
      current.kill("SIGKILL");
      await exited;
      throw new BrokerProcessError(`broker pid ${current.pid} did not exit within ${stopTimeoutMs} ms of SIGTERM`, logTail());
    }
  };

  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    const current = child;
    if (current === undefined) throw new Error(`kill(${signal}): the broker on port ${port} is not running`);
    current.kill(signal);
    if (signal === "SIGSTOP" || signal === "SIGCONT" || signal === "SIGTSTP") return;
    const exitedInTime = await Promise.race([exited.then(() => true), sleep(stopTimeoutMs).then(() => false)]);
    if (!exitedInTime) {
      throw new BrokerProcessError(`broker pid ${current.pid} did not exit within ${stopTimeoutMs} ms of ${signal}`, logTail());
    }
  };

  try {
    await spawnBroker();
  } catch (error) {
    rmSync(ownDir, { recursive: true, force: true });
    throw error;
  }

  return {
    port,
    bootstrap: `${HOST}:${port}`,
    dataDir,
    logFile,
    get pid() {
      return child?.pid;
    },
    get running() {
      return child !== undefined;
    },
    stop,
    kill,
    async restart() {
      await stop();
      await spawnBroker();
    },
    logTail,
    async dispose() {
      const current = child;
      if (current !== undefined) {
        current.kill("SIGKILL");
        await exited;
      }
      rmSync(ownDir, { recursive: true, force: true });
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
