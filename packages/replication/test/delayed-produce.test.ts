import { describe, expect, it } from "vitest";
import { ErrorCode } from "@samsa/protocol";
import { DelayedProducePurgatory, NotEnoughReplicasAfterAppendError } from "@samsa/replication";
import { ManualScheduler } from "./helpers/manual-scheduler.js";

function outcome(p: Promise<void>): { value: "pending" | "ok" | number } {
  const box: { value: "pending" | "ok" | number } = { value: "pending" };
  p.then(
    () => (box.value = "ok"),
    (err: { errorCode: number }) => (box.value = err.errorCode),
  );
  return box;
}

const flush = () => new Promise((r) => setImmediate(r));

describe("DelayedProducePurgatory", () => {
  it("completes waits once the HW covers their last offset, in any order of partitions", async () => {
    const scheduler = new ManualScheduler();
    const purgatory = new DelayedProducePurgatory({ scheduler });
    const a = outcome(purgatory.wait("t-0", 5, 30_000));
    const b = outcome(purgatory.wait("t-0", 9, 30_000));
    const c = outcome(purgatory.wait("t-1", 5, 30_000));
    purgatory.highWatermarkAdvanced("t-0", 5);
    await flush();
    expect([a.value, b.value, c.value]).toEqual(["ok", "pending", "pending"]);
    purgatory.highWatermarkAdvanced("t-0", 20);
    await flush();
    expect(b.value).toBe("ok");
    expect(purgatory.size).toBe(1);
    expect(scheduler.pending).toBe(1); // completed waits cancel their timers
  });

  it("answers REQUEST_TIMED_OUT at the request timeout", async () => {
    const scheduler = new ManualScheduler();
    const purgatory = new DelayedProducePurgatory({ scheduler });
    const a = outcome(purgatory.wait("t-0", 5, 1000));
    scheduler.advance(999);
    await flush();
    expect(a.value).toBe("pending");
    scheduler.advance(1);
    await flush();
    expect(a.value).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(purgatory.size).toBe(0);
  });

  it("fails a partition's waits with the given error and leaves others alone", async () => {
    const purgatory = new DelayedProducePurgatory({ scheduler: new ManualScheduler() });
    const a = outcome(purgatory.wait("t-0", 5, 1000));
    const b = outcome(purgatory.wait("t-1", 5, 1000));
    purgatory.failAll("t-0", () => new NotEnoughReplicasAfterAppendError("isr shrank"));
    await flush();
    expect(a.value).toBe(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    expect(b.value).toBe("pending");
  });

  it("refuses waits beyond maxDelayedProduces", async () => {
    const purgatory = new DelayedProducePurgatory({ scheduler: new ManualScheduler(), maxDelayedProduces: 2 });
    outcome(purgatory.wait("t-0", 1, 1000));
    outcome(purgatory.wait("t-0", 2, 1000));
    const third = outcome(purgatory.wait("t-0", 3, 1000));
    await flush();
    expect(third.value).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(purgatory.size).toBe(2);
  });
});
