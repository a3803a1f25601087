import { describe, expect, it } from "vitest";
import { CommitLatency } from "../src/index.js";

describe("Raft commit latency", () => {
  it("samples a proposal once the (exclusive) high watermark passes its last offset", () => {
    const latency = new CommitLatency({ windowMs: 1000, maxSamples: 10, maxPendingProposals: 10 });
    latency.proposed(1, 4, 100); // offsets 0..4
    latency.proposed(1, 6, 110); // offsets 5..6
    latency.advanced(true, 1, 4, 120); // offset 4 not yet committed
    expect(latency.summary(120).count).toBe(0);
    expect(latency.summary(120).avgMs).toBeNaN();
    latency.advanced(true, 1, 5, 130);
    expect(latency.summary(130)).toEqual({ count: 1, avgMs: 30, maxMs: 30 });
    latency.advanced(true, 1, 7, 170);
    expect(latency.summary(170)).toEqual({ count: 2, avgMs: 45, maxMs: 60 });
    // Samples leave the window.
    expect(latency.summary(1165)).toEqual({ count: 1, avgMs: 60, maxMs: 60 });
    expect(latency.summary(1200).count).toBe(0);
  });

  it("never samples proposals of an epoch the node no longer leads", () => {
    const latency = new CommitLatency({ windowMs: 1000, maxSamples: 10, maxPendingProposals: 10 });
    latency.proposed(1, 3, 0);
    latency.advanced(false, 2, 0, 10);
    latency.proposed(3, 9, 20);
    latency.proposed(3, 10, 20);
    // Re-elected in a later epoch: an entry of epoch 3 still pending is dropped, not sampled.
    latency.advanced(true, 4, 11, 50);
    expect(latency.summary(50).count).toBe(0);
  });

  it("bounds pending proposals and samples", () => {
    const latency = new CommitLatency({ windowMs: 10_000, maxSamples: 3, maxPendingProposals: 2 });
    for (let i = 0; i < 5; i++) latency.proposed(1, i, i);
    latency.advanced(true, 1, 5, 10); // only offsets 3 and 4 were still pending
    expect(latency.summary(10)).toEqual({ count: 2, avgMs: 6.5, maxMs: 7 });
    for (let i = 5; i < 9; i++) latency.proposed(1, i, 10);
    latency.advanced(true, 1, 9, 20);
    expect(latency.summary(20).count).toBe(3);
  });
});
