import { randomBytes } from "node:crypto";

/**
 * A random version-4 topic id in Kafka's string form (22 chars base64url),
 * never the zero uuid nor starting with '-', as Kafka's Uuid.randomUuid().
 */
export function newTopicId(): string {
  for (;;) {
    const bytes = randomBytes(16);
    bytes[6] = (bytes[6]! & 0x0f) | 0x40;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const s = bytes.toString("base64url");
    if (s !== "AAAAAAAAAAAAAAAAAAAAAA" && !s.startsWith("-")) return s;
  }
}
