import type { ApiVersionsResponseApiVersion } from "@samsa/protocol";
import type { ApiHandler } from "./handler.js";

/** The APIs this broker serves, by API key; ApiVersions is built from it. */
export class HandlerRegistry {
  private readonly byKey = new Map<number, ApiHandler>();

  constructor(handlers: readonly ApiHandler<any>[]) {
    for (const h of handlers) {
      if (this.byKey.has(h.apiKey)) throw new Error(`two handlers for API key ${h.apiKey}`);
      if (h.minVersion > h.maxVersion) throw new Error(`${h.name}: minVersion > maxVersion`);
      this.byKey.set(h.apiKey, h as ApiHandler);
    }
  }

  get(apiKey: number): ApiHandler | undefined {
    return this.byKey.get(apiKey);
  }

  /** Sorted by API key, as Kafka lists them. */
  apiVersions(): ApiVersionsResponseApiVersion[] {
    return [...this.byKey.values()]
      .sort((a, b) => a.apiKey - b.apiKey)
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }));
  }
}
