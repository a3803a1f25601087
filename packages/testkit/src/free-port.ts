import { createServer } from "node:net";

/**
 * Ports are picked below Linux's ephemeral range (32768-60999 by default):
 * a port the kernel hands out for `listen(0)` comes from that range, and so
 * does the local port of every outgoing connection, so a broker's own client
 * connections could take a port picked that way before the broker binds it
 * (seen as EADDRINUSE at startup in a clean-clone CI run).
 */
const PICK_RANGE_LOW = 20_000;
const PICK_RANGE_HIGH = 32_767;
/** Random ports tried before falling back to the kernel's choice. */
const MAX_PICK_ATTEMPTS = 64;
/** Ports this process already handed out: never given twice. */
const handedOut = new Set<number>();

/**
 * An unused TCP port on `host`. The port is released before returning, so
 * another process could take it in between; callers start their listener
 * right away to keep that window small.
 */
export async function findFreePort(host = "127.0.0.1"): Promise<number> {
  for (let attempt = 0; attempt < MAX_PICK_ATTEMPTS; attempt++) {
    const port = PICK_RANGE_LOW + Math.floor(Math.random() * (PICK_RANGE_HIGH - PICK_RANGE_LOW + 1));
    if (handedOut.has(port)) continue;
    if ((await bindAndRelease(host, port)) !== undefined) {
      handedOut.add(port);
      return port;
    }
  }
  const port = await bindAndRelease(host, 0);
  if (port === undefined) throw new Error(`findFreePort: no port could be bound on ${host}`);
  handedOut.add(port);
  return port;
}

/** Binds `port` (0: any) on `host` and releases it; the bound port, or undefined if it was taken. */
function bindAndRelease(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", (err: NodeJS.ErrnoException) => (err.code === "EADDRINUSE" || err.code === "EACCES" ? resolve(undefined) : reject(err)));
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("findFreePort: server.address() did not return a TCP address"));
        return;
      }
      const bound = address.port;
      server.close((error) => (error ? reject(error) : resolve(bound)));
    });
  });
}
