import { Reader, decodeConsumerProtocolSubscription } from "@samsa/protocol";
import type { ClassicGroup } from "./classic-group.js";

/** Newest ConsumerProtocolSubscription version the generated codec reads; later ones are read as it (they only add fields). */
const MAX_SUBSCRIPTION_VERSION = 3;

/** Marker: some member's subscription could not be read, so every topic counts as subscribed. */
export const ALL_TOPICS = "*";

/**
 * The topics the members of a "consumer" group subscribe to, read from
 * their protocol metadata (the only place the broker looks inside it).
 */
export function subscribedTopics(group: ClassicGroup): ReadonlySet<string> {
  const topics = new Set<string>();
  if (group.members.size === 0) return topics;
  if (group.protocolType !== "consumer") return new Set([ALL_TOPICS]);
  for (const m of group.members.values()) {
    const protocol = m.protocols.find((p) => p.name === group.protocolName) ?? m.protocols[0];
    if (!protocol) continue;
    try {
      const r = new Reader(protocol.metadata);
      const version = Math.min(r.int16(), MAX_SUBSCRIPTION_VERSION);
      if (version < 0) return new Set([ALL_TOPICS]);
      for (const t of decodeConsumerProtocolSubscription(r, version).topics) topics.add(t);
    } catch {
      return new Set([ALL_TOPICS]);
    }
  }
  return topics;
}

export function isSubscribed(subscribed: ReadonlySet<string>, topic: string): boolean {
  return subscribed.has(ALL_TOPICS) || subscribed.has(topic);
}
