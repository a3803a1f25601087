import { randomBytes } from "node:crypto";

/**
 * Kafka UUIDs travel as 16 bytes and are shown as 22-character URL-safe base64
 * without padding (Java's `Uuid.toString()`); that string form is what the
 * codecs use, so topic ids compare and print the same way as in Kafka tools.
 */
export const UUID_BYTES = 16;
export const ZERO_UUID = "AAAAAAAAAAAAAAAAAAAAAA";

const UUID_STRING_RE = /^[A-Za-z0-9_-]{22}$/;

export function uuidFromBytes(buf: Uint8Array, offset = 0): string {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return b.toString("base64url", offset, offset + UUID_BYTES);
}

export function uuidToBytes(uuid: string): Buffer {
  if (!UUID_STRING_RE.test(uuid)) throw new TypeError(`not a Kafka uuid string: ${JSON.stringify(uuid)}`);
  const bytes = Buffer.from(uuid, "base64url");
  // 22 base64 chars carry 132 bits; the last 4 must be zero for a canonical encoding.
  if (bytes.length !== UUID_BYTES || uuidFromBytes(bytes) !== uuid) {
    throw new TypeError(`not a canonical Kafka uuid string: ${JSON.stringify(uuid)}`);
  }
  return bytes;
}

/**
 * A random version-4 UUID. Like Kafka's `Uuid.randomUuid()` it never returns the
 * zero UUID or one whose string form starts with '-' (awkward on command lines).
 */
export function randomUuid(): string {
  for (;;) {
    const bytes = randomBytes(UUID_BYTES);
    bytes[6] = (bytes[6]! & 0x0f) | 0x40;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const s = uuidFromBytes(bytes);
    if (s !== ZERO_UUID && !s.startsWith("-")) return s;
  }
}
