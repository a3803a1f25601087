import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBrokerConfig, silentLogger, startBroker, type BrokerHandle } from "@samsa/broker";

export interface RunningBroker {
  broker: BrokerHandle;
  dir: string;
  overrides: string[];
}

/** Starts an in-process broker on a free port with its own temp log dir. */
export async function startTestBroker(extraOverrides: string[] = [], dir = mkdtempSync(join(tmpdir(), "samsa-broker-"))): Promise<RunningBroker> {
  const overrides = ["listeners=PLAINTEXT://127.0.0.1:0", `log.dirs=${dir}`, ...extraOverrides];
  const broker = await startBroker(loadBrokerConfig({ overrides }), { logger: silentLogger() });
  return { broker, dir, overrides };
}

export async function stopTestBroker(b: RunningBroker | undefined, removeDir = true): Promise<void> {
  if (!b) return;
  await b.broker.close();
  if (removeDir) rmSync(b.dir, { recursive: true, force: true });
}
