import { UsageError } from "./args.js";

/** Exit status for a failure: 2 for a usage mistake, 1 for everything else. */
export function exitCodeFor(err: unknown): number {
  return err instanceof UsageError ? 2 : 1;
}

/**
 * One line a person can act on: the Kafka error name and code when the broker
 * reported one, the message otherwise. Stack traces only with SAMSA_DEBUG set.
 */
export function describeError(err: unknown, debug: boolean): string {
  if (!(err instanceof Error)) return `error: ${String(err)}`;
  const e = err as Error & { errorName?: string; errorCode?: number; code?: string };
  let text: string;
  if (e.errorName !== undefined && e.errorCode !== undefined) {
    // Client messages without broker detail end in the error name; do not say it twice.
    const message = e.message.endsWith(`: ${e.errorName}`) ? e.message.slice(0, -(e.errorName.length + 2)) : e.message;
    text = `error: ${e.errorName} (${e.errorCode}): ${message}`;
  } else if (typeof e.code === "string" && !(err instanceof UsageError)) {
    text = `error: ${e.code}: ${e.message}`;
  } else {
    text = `error: ${e.message}`;
  }
  if (debug && e.stack) text += `\n${e.stack}`;
  return text;
}
