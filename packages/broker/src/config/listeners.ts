import { ConfigError } from "./config-error.js";

export interface ListenerAddress {
  /** Listener name, e.g. PLAINTEXT or CONTROLLER. */
  name: string;
  /** Empty means all interfaces (bind) / the machine's host name (advertise). */
  host: string;
  port: number;
  securityProtocol: string;
}

const LISTENER_PATTERN = /^([A-Za-z0-9_.-]+):\/\/(\[[^\]]*\]|[^:/]*):(\d+)$/;

export function parseListeners(key: string, entries: readonly string[], protocolMap: ReadonlyMap<string, string>): ListenerAddress[] {
  const seen = new Set<string>();
  return entries.map((entry) => {
    const m = LISTENER_PATTERN.exec(entry);
    if (!m) throw new ConfigError(key, `'${entry}' is not NAME://host:port`);
    const name = m[1]!.toUpperCase();
    const host = m[2]!.replace(/^\[|\]$/g, "");
    const port = Number(m[3]);
    if (port > 65535) throw new ConfigError(key, `port ${port} of '${entry}' is out of range`);
    if (seen.has(name)) throw new ConfigError(key, `listener name ${name} appears twice`);
    seen.add(name);
    const securityProtocol = protocolMap.get(name) ?? name;
    return { name, host, port, securityProtocol };
  });
}

export function parseProtocolMap(key: string, entries: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of entries) {
    const [name, protocol, ...extra] = entry.split(":");
    if (!name || !protocol || extra.length > 0) throw new ConfigError(key, `'${entry}' is not NAME:PROTOCOL`);
    map.set(name.trim().toUpperCase(), protocol.trim().toUpperCase());
  }
  return map;
}
