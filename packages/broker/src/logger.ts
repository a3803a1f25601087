import { createRequire } from "node:module";
import { pino, type Logger } from "pino";

export type { Logger };

/**
 * The broker's pino logger: JSON lines, or human-readable lines through
 * pino-pretty when stdout is a terminal and pino-pretty is installed.
 */
export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  const level = options.level ?? "info";
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  if (pretty && isInstalled("pino-pretty")) {
    return pino({ level, transport: { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss.l" } } });
  }
  return pino({ level });
}

function isInstalled(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** A logger that drops everything (tests, embedded use). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
