import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startBrokerProcess } from "../src/broker-process.js";
import { probeKafka } from "../src/kafka-probe.js";

const fakeBroker = fileURLToPath(new URL("./fixtures/fake-broker.mjs", import.meta.url));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.sequential("startBrokerProcess", () => {
  it("starts, restarts on the same port and data dir, and stops", async () => {
    const broker = await startBrokerProcess({ entryPoint: fakeBroker, overrides: { "fake.startup-delay-ms": 300 } });
    try {
      expect(broker.bootstrap).toBe(`127.0.0.1:${broker.port}`);
      const firstPid = broker.pid!;
      expect(isAlive(firstPid)).toBe(true);
      expect(await probeKafka("127.0.0.1", broker.port, 1_000)).toEqual({ errorCode: 0 });

      await broker.restart();
      expect(broker.pid).not.toBe(firstPid);
      expect(isAlive(firstPid)).toBe(false);
      expect(await probeKafka("127.0.0.1", broker.port, 1_000)).toEqual({ errorCode: 0 });
      expect(readFileSync(`${broker.dataDir}/starts`, "utf8").trim().split("\n")).toHaveLength(2);
      expect(readFileSync(broker.logFile, "utf8")).toMatch(/--override fake.startup-delay-ms=300/);

      await broker.stop();
      expect(broker.running).toBe(false);
      await expect(probeKafka("127.0.0.1", broker.port, 500)).rejects.toThrow();
    } finally {
      await broker.dispose();
    }
  });

  it("pauses with SIGSTOP, resumes with SIGCONT and dies on SIGKILL", async () => {
    const broker = await startBrokerProcess({ entryPoint: fakeBroker });
    try {
      await broker.kill("SIGSTOP");
      await expect(probeKafka("127.0.0.1", broker.port, 300)).rejects.toThrow(/within 300 ms/);
      await broker.kill("SIGCONT");
      expect(await probeKafka("127.0.0.1", broker.port, 1_000)).toEqual({ errorCode: 0 });
      const pid = broker.pid!;
      await broker.kill("SIGKILL");
      expect(broker.running).toBe(false);
      expect(isAlive(pid)).toBe(false);
      await broker.restart();
      expect(broker.running).toBe(true);
    } finally {
      await broker.dispose();
    }
  });

  it("stops a SIGSTOPped broker", async () => {
    const broker = await startBrokerProcess({ entryPoint: fakeBroker });
    try {
      await broker.kill("SIGSTOP");
      await broker.stop();
      expect(broker.running).toBe(false);
    } finally {
      await broker.dispose();
    }
  });

  it("fails with the log tail when the broker exits during startup", async () => {
    await expect(startBrokerProcess({ entryPoint: fakeBroker, overrides: { "fake.exit-code": 3 } })).rejects.toThrow(
      /exited during startup \(exit code 3\)[\s\S]*refusing to start as asked/,
    );
  });

  it("fails when the broker answers with an error or not at all before the deadline", async () => {
    await expect(
      startBrokerProcess({ entryPoint: fakeBroker, overrides: { "fake.error-code": 35 }, startTimeoutMs: 800 }),
    ).rejects.toThrow(/did not answer ApiVersions within 800 ms \(last probe: ApiVersions answered with error code 35\)[\s\S]*fake broker listening/);
  });

  it("fails a stop that needs SIGKILL", async () => {
    const broker = await startBrokerProcess({ entryPoint: fakeBroker, overrides: { "fake.ignore-sigterm": true }, stopTimeoutMs: 500 });
    try {
      await expect(broker.stop()).rejects.toThrow(/did not exit within 500 ms of SIGTERM[\s\S]*ignoring SIGTERM/);
      expect(broker.running).toBe(false);
    } finally {
      await broker.dispose();
    }
  });
});
