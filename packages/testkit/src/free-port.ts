import { createServer } from "node:net";

/**
 * Asks the kernel for an unused TCP port on 127.0.0.1 by binding port 0.
 * The port is released before returning, so another process could take it in
 * between; callers start their listener right away to keep that window small.
 */
export async function findFreePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("findFreePort: server.address() did not return a TCP address"));
        return;
      }
      const { port } = address;
      server.close((error) => (error ? reject(error) : resolve(port)));
    });
  });
}
