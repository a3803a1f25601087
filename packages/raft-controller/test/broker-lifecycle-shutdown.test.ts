import { describe, expect, it } from "vitest";
import { BrokerLifecycle, BrokerStoppedError } from "../src/broker/broker-lifecycle.js";
import { KafkaErrorCode } from "../src/controller/errors.js";
import type { ControllerApi } from "../src/service/controller-api.js";

/** A controller that registers brokers and keeps them fenced, or never answers a registration. */
function fakeController(options: { registration: "answers" | "never-answers" }): { api: ControllerApi; heartbeats: () => number } {
  let heartbeats = 0;
  const api = {
    registerBroker: () =>
      options.registration === "answers" ? Promise.resolve({ errorCode: KafkaErrorCode.NONE, brokerEpoch: 7 }) : new Promise(() => {}),
    brokerHeartbeat: (request: { wantShutDown: boolean }) => {
      heartbeats++;
      return Promise.resolve({ errorCode: KafkaErrorCode.NONE, isFenced: true, shouldShutDown: request.wantShutDown });
    },
  } as unknown as ControllerApi;
  return { api, heartbeats: () => heartbeats };
}

function lifecycle(api: ControllerApi): BrokerLifecycle {
  return new BrokerLifecycle({ brokerId: 1, clusterId: "c", endpoints: [], rack: null, controller: api, metadataOffset: () => 0, heartbeatIntervalMs: 20, controlledShutdownTimeoutMs: 1000 });
}

describe("BrokerLifecycle shut down during start-up", () => {
  it("ends a wait to be unfenced at once instead of at its timeout", async () => {
    const { api } = fakeController({ registration: "answers" });
    const broker = lifecycle(api);
    await broker.start();
    expect(broker.state).toBe("fenced");
    const started = Date.now();
    const running = broker.waitUntilRunning(60_000);
    await broker.shutdown();
    await expect(running).rejects.toBeInstanceOf(BrokerStoppedError);
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(broker.waitUntilRunning(60_000)).rejects.toBeInstanceOf(BrokerStoppedError);
  });

  it("stays stopped when a registration answered after the shutdown, and sends no heartbeats", async () => {
    let answer: (r: { errorCode: number; brokerEpoch: number }) => void = () => {};
    const { api, heartbeats } = fakeController({ registration: "answers" });
    (api as { registerBroker: unknown }).registerBroker = () => new Promise((resolve) => (answer = resolve));
    const broker = lifecycle(api);
    const start = broker.start();
    await broker.shutdown();
    answer({ errorCode: KafkaErrorCode.NONE, brokerEpoch: 3 });
    await expect(start).rejects.toBeInstanceOf(BrokerStoppedError);
    expect(broker.state).toBe("stopped");
    await new Promise((r) => setTimeout(r, 100));
    expect(heartbeats()).toBe(0);
  });

  it("stops retrying a registration the controller keeps failing once shut down", async () => {
    let attempts = 0;
    const { api } = fakeController({ registration: "answers" });
    (api as { registerBroker: unknown }).registerBroker = () => {
      attempts++;
      return Promise.reject(new Error("no active controller"));
    };
    const broker = lifecycle(api);
    const start = broker.start();
    await new Promise((r) => setTimeout(r, 300));
    await broker.shutdown();
    await expect(start).rejects.toBeInstanceOf(BrokerStoppedError);
    const after = attempts;
    await new Promise((r) => setTimeout(r, 500));
    expect(attempts).toBe(after);
    expect(after).toBeGreaterThan(0);
  });
});
