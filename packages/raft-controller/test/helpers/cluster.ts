import net from "node:net";
import type { MetadataNode } from "../../src/index.js";

/** Free loopback ports: listen on port 0, note the port, close. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    ports.push(
      await new Promise<number>((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
          const port = (server.address() as net.AddressInfo).port;
          server.close(() => resolve(port));
        });
      }),
    );
  }
  return ports;
}

export async function waitFor<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 10_000, pollMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export function activeController(nodes: readonly MetadataNode[]): MetadataNode | undefined {
  return nodes.find((n) => n.controller?.isActive());
}
