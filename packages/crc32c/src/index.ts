import { createRequire } from "node:module";
import { crc32c as portableCrc32c } from "@node-rs/crc32";

/** Which CRC-32C runs here: the three-stream SSE4.2 addon, or the portable fallback. */
export type Crc32cImplementation = "native-sse42-3way" | "portable-node-rs";

interface NativeAddon {
  crc32c(bytes: Uint8Array, initial: number): number;
}

/** Why the addon is not in use, for a startup log line; undefined when it is. */
export let crc32cFallbackReason: string | undefined;

function loadNative(): NativeAddon | undefined {
  if (process.env.CRC32C_PORTABLE === "1") {
    crc32cFallbackReason = "CRC32C_PORTABLE=1";
    return undefined;
  }
  try {
    // Built by this package's install script (node-gyp) next to dist/.
    return createRequire(import.meta.url)("../build/Release/crc32c.node") as NativeAddon;
  } catch (err) {
    crc32cFallbackReason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    return undefined;
  }
}

const native = loadNative();

export const crc32cImplementation: Crc32cImplementation = native !== undefined ? "native-sse42-3way" : "portable-node-rs";

/**
 * CRC-32C (Castagnoli) of `bytes`, continuing from `initial` (a previous
 * result, 0 to start); unsigned 32-bit. Kafka's record batch v2 checksum.
 */
export const crc32c: (bytes: Uint8Array, initial?: number) => number =
  native !== undefined
    ? (bytes, initial = 0) => native.crc32c(bytes, initial)
    : (bytes, initial = 0) => portableCrc32c(bytes as Buffer, initial) >>> 0;

/** The portable implementation, always available: tests compare the two. */
export function portableCrc32cOf(bytes: Uint8Array, initial = 0): number {
  return portableCrc32c(bytes as Buffer, initial) >>> 0;
}
