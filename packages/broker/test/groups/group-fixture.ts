import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestBroker, type RunningBroker } from "../helpers/broker-fixture.js";

/** Broker settings for group tests: a short initial delay and few offsets partitions keep them fast. */
export const GROUP_TEST_OVERRIDES = [
  "group.initial.rebalance.delay.ms=200",
  "offsets.topic.num.partitions=5",
  "group.min.session.timeout.ms=1000",
  "log.segment.delete.delay.ms=0",
];

export function newDataDir(): string {
  return mkdtempSync(join(tmpdir(), "samsa-groups-"));
}

export function startGroupBroker(dir: string = newDataDir(), extra: string[] = []): Promise<RunningBroker> {
  return startTestBroker([...GROUP_TEST_OVERRIDES, ...extra], dir);
}

/** Polls `check` every `intervalMs` until it returns true or `timeoutMs` passes. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}
