import { crc32c as nativeCrc32c } from "@node-rs/crc32";

/** CRC-32C (Castagnoli) of `buf`, as Kafka's record batch v2 uses it; unsigned 32-bit. */
export function crc32c(buf: Uint8Array, initial = 0): number {
  return nativeCrc32c(buf as Buffer, initial) >>> 0;
}
