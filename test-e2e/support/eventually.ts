const DEFAULT_POLL_INTERVAL_MS = 250;

/**
 * Polls until `check` returns a value (not undefined), or fails after `timeoutMs`
 * naming the condition and the last error `check` threw.
 */
export async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, pollIntervalMs = DEFAULT_POLL_INTERVAL_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms (last error: ${String(last)})`);
    await new Promise((r) => setTimeout(r, pollIntervalMs));
  }
}
