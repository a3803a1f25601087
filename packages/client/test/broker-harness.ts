import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBrokerConfig, silentLogger, startBroker } from "@samsa/broker";

/** A single in-process broker on an ephemeral port with a temporary log dir. */
export async function startTestBroker(overrides: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), "samsa-client-test-"));
  const config = loadBrokerConfig({ overrides: ["listeners=PLAINTEXT://127.0.0.1:0", `log.dirs=${dir}`, ...overrides] });
  const broker = await startBroker(config, { logger: silentLogger() });
  return {
    broker,
    bootstrap: `127.0.0.1:${broker.port}`,
    async close() {
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
