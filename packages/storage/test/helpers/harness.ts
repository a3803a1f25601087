import { DEFAULT_LOG_CONFIG, IndexCache, LogManager, PartitionLog, type ReadBufferPool, silentLogger, type LogConfig, type LogLoadState, type StorageLogger } from "@samsa/storage";
import { FaultyFileSystem } from "./faulty-fs.js";

export class ManualClock {
  constructor(public now = 1_000_000) {}
  nowMs(): number {
    return this.now;
  }
}

export const testConfig = (overrides: Partial<LogConfig> = {}): LogConfig => ({ ...DEFAULT_LOG_CONFIG, fileDeleteDelayMs: 0, ...overrides });

export function openLog(
  fs: FaultyFileSystem,
  config: LogConfig,
  state: LogLoadState = { cleanShutdown: false },
  clock = new ManualClock(),
  logger: StorageLogger = silentLogger,
  readBufferPool?: ReadBufferPool,
  maxGroupBytes?: number,
) {
  return PartitionLog.open(
    { fs, dir: "/data/t-0", topic: "t", partition: 0, config, clock, logger, indexCache: new IndexCache(1 << 20), ...(readBufferPool !== undefined ? { readBufferPool } : {}), ...(maxGroupBytes !== undefined ? { maxGroupBytes } : {}) },
    state,
  );
}

export function openManager(fs: FaultyFileSystem, defaults: LogConfig, clock = new ManualClock(), logger: StorageLogger = silentLogger) {
  return LogManager.open({ logDirs: ["/data"], nodeId: 1, clusterId: "c1", fs, clock, defaults, logger });
}

/** Collects log lines so tests can assert that garbage was reported. */
export function recordingLogger() {
  const lines: { level: string; msg: string; obj: object }[] = [];
  const logger: StorageLogger = {
    info: (obj, msg) => lines.push({ level: "info", msg, obj }),
    warn: (obj, msg) => lines.push({ level: "warn", msg, obj }),
    error: (obj, msg) => lines.push({ level: "error", msg, obj }),
  };
  return { logger, lines };
}
