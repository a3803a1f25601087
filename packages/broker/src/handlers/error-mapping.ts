import { ErrorCode } from "@samsa/protocol";
import type { Logger } from "pino";

/** Errors from protocol and storage carry their Kafka code; anything else is a server bug. */
export function kafkaErrorCodeOf(err: unknown, logger: Logger, what: string): { errorCode: number; message: string } {
  const code = (err as { errorCode?: unknown } | null)?.errorCode;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === "number") return { errorCode: code, message };
  logger.error({ err }, `${what} failed unexpectedly`);
  return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, message };
}

export function errorName(code: number): string {
  for (const [name, value] of Object.entries(ErrorCode)) if (value === code) return name;
  return String(code);
}
