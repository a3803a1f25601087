import { describe, expect, it } from "vitest";
import { FetchPurgatory } from "../src/partitions/fetch-purgatory.js";

describe("FetchPurgatory", () => {
  it("wakes every waiter on notify, and only follower waiters when bytes were merely written", () => {
    const purgatory = new FetchPurgatory();
    const woken: string[] = [];
    const cancelConsumer = purgatory.watch(["t-0", "t-1"], () => woken.push("consumer"));
    const cancelFollower = purgatory.watch(["t-0"], () => woken.push("follower"), true);
    purgatory.notifyWritten("t-0");
    expect(woken).toEqual(["follower"]);
    purgatory.notify("t-0");
    expect(woken).toEqual(["follower", "consumer", "follower"]);
    purgatory.notifyWritten("t-1");
    expect(woken).toHaveLength(3);
    cancelFollower();
    purgatory.notifyWritten("t-0");
    purgatory.notify("t-1");
    expect(woken).toEqual(["follower", "consumer", "follower", "consumer"]);
    cancelConsumer();
    expect(purgatory.watchedKeys).toBe(0);
  });

  it("makes only follower fetches answer now when the log start moved", () => {
    const purgatory = new FetchPurgatory();
    const woken: string[] = [];
    purgatory.watch(["t-0"], (answerNow) => woken.push(`consumer ${answerNow}`));
    purgatory.watch(["t-0"], (answerNow) => woken.push(`follower ${answerNow}`), true);
    purgatory.notifyLogStartMoved("t-0");
    expect(woken).toEqual(["follower true"]);
    purgatory.notifyWritten("t-0");
    purgatory.notify("t-0");
    expect(woken).toEqual(["follower true", "follower false", "consumer false", "follower false"]);
  });
});
