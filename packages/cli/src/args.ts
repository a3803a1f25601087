/** The user typed something the command cannot use; reported without a stack trace. */
export class UsageError extends Error {
  readonly code = "USAGE";
  override name = "UsageError";
}

/** `k=v` strings (repeatable options) to ordered pairs; the value may contain '='. */
export function parseKeyValues(entries: readonly string[] | undefined, optionName: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const entry of entries ?? []) {
    const eq = entry.indexOf("=");
    if (eq <= 0) throw new UsageError(`--${optionName} expects key=value, got '${entry}'`);
    pairs.push([entry.slice(0, eq), entry.slice(eq + 1)]);
  }
  return pairs;
}

/** Repeatable yargs options arrive as undefined, a scalar, or an array. */
export function asStringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

export const DEFAULT_BOOTSTRAP_SERVER = "localhost:9092";

/** `--bootstrap-server` default: $SAMSA_BOOTSTRAP_SERVER(S) when set, else localhost:9092. */
export function defaultBootstrapServer(env: NodeJS.ProcessEnv): string {
  return env.SAMSA_BOOTSTRAP_SERVER ?? env.SAMSA_BOOTSTRAP_SERVERS ?? DEFAULT_BOOTSTRAP_SERVER;
}

/** "h1:9092,h2:9093" → ["h1:9092", "h2:9093"], each checked for a host and a port. */
export function parseBootstrapServers(text: string): string[] {
  const servers = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (servers.length === 0) throw new UsageError("--bootstrap-server is empty");
  for (const s of servers) {
    const colon = s.lastIndexOf(":");
    const port = Number(s.slice(colon + 1));
    if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new UsageError(`--bootstrap-server entry '${s}' is not host:port`);
    }
  }
  return servers;
}

export function parseNonNegativeInt(value: unknown, optionName: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--${optionName} must be a non-negative integer, got '${String(value)}'`);
  return n;
}
