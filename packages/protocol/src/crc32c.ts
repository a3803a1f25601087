/** CRC-32C (Castagnoli), as Kafka's record batch v2 uses it; unsigned 32-bit. See @samsa/crc32c. */
export { crc32c, crc32cImplementation, crc32cFallbackReason } from "@samsa/crc32c";
