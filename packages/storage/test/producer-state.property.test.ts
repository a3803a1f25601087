// Producer state against a model: after any sequence of idempotent sends,
// retries, out-of-order and stale-epoch sends, epoch bumps, rolls,
// truncations, crashes and clean reopens, each producer's state equals what
// the log holds (its epoch and its last 5 batches of that epoch), retries are
// answered with their original offsets, and no batch is ever stored twice.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PartitionLog } from "@samsa/storage";
import { FaultyFileSystem } from "./helpers/faulty-fs.js";
import { ManualClock, openLog, testConfig } from "./helpers/harness.js";
import { idempotentBatch } from "./helpers/idempotent-batches.js";

const PRODUCERS = [10, 11, 12];
const RUNS = Number(process.env.STORAGE_PROPERTY_RUNS ?? 40);
const config = testConfig({ segmentBytes: 2000, indexIntervalBytes: 200, segmentIndexBytes: 96 });

interface StoredBatch {
  pid: number;
  epoch: number;
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
}

type Op =
  | { t: "send"; p: number; records: number }
  | { t: "retry"; p: number; pick: number }
  | { t: "gap"; p: number }
  | { t: "stale"; p: number }
  | { t: "bump"; p: number }
  | { t: "roll" }
  | { t: "truncate"; at: number }
  | { t: "crash" }
  | { t: "reopen" };

const producer = fc.integer({ min: 0, max: PRODUCERS.length - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ t: fc.constant("send" as const), p: producer, records: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("retry" as const), p: producer, pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("gap" as const), p: producer }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("stale" as const), p: producer }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("bump" as const), p: producer }) },
  { weight: 1, arbitrary: fc.constant({ t: "roll" as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("truncate" as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.constant({ t: "crash" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "reopen" as const }) },
);

class Model {
  stored: StoredBatch[] = [];
  /** The epoch each producer currently sends with. */
  epochs = new Map(PRODUCERS.map((p) => [p, 0]));

  get logEnd(): number {
    return this.stored.length === 0 ? 0 : this.stored[this.stored.length - 1]!.lastOffset + 1;
  }

  /** What the partition must know about `pid`: the epoch of its last stored batch and its last 5 batches of that epoch. */
  expected(pid: number): { epoch: number; batches: StoredBatch[] } | undefined {
    const mine = this.stored.filter((b) => b.pid === pid);
    if (mine.length === 0) return undefined;
    const epoch = mine[mine.length - 1]!.epoch;
    return { epoch, batches: mine.filter((b) => b.epoch === epoch).slice(-5) };
  }

  nextSequence(pid: number): number {
    const known = this.expected(pid);
    return known !== undefined && known.epoch === this.epochs.get(pid) ? known.batches[known.batches.length - 1]!.lastSeq + 1 : 0;
  }
}

async function checkState(log: PartitionLog, model: Model): Promise<void> {
  for (const pid of PRODUCERS) {
    const expected = model.expected(pid);
    const entry = log.producerEntry(pid);
    if (expected === undefined) {
      expect(entry).toBeUndefined();
      continue;
    }
    expect(entry?.producerEpoch).toBe(expected.epoch);
    expect(entry?.batches.map((b) => [b.firstSequence, b.lastSequence, b.firstOffset, b.lastOffset])).toEqual(expected.batches.map((b) => [b.firstSeq, b.lastSeq, b.firstOffset, b.lastOffset]));
  }
  expect(log.logEndOffset).toBe(model.logEnd);
}

async function runOps(ops: Op[]): Promise<void> {
  let fs = new FaultyFileSystem();
  const clock = new ManualClock(1_000_000);
  let log = await openLog(fs, config, { cleanShutdown: false }, clock);
  const model = new Model();
  for (const op of ops) {
    switch (op.t) {
      case "send": {
        const pid = PRODUCERS[op.p]!;
        const epoch = model.epochs.get(pid)!;
        const seq = model.nextSequence(pid);
        const info = await log.appendAsLeader(idempotentBatch(pid, epoch, seq, op.records), 0);
        expect(info.firstOffset).toBe(model.logEnd);
        model.stored.push({ pid, epoch, firstSeq: seq, lastSeq: seq + op.records - 1, firstOffset: info.firstOffset, lastOffset: info.lastOffset });
        break;
      }
      case "retry": {
        const pid = PRODUCERS[op.p]!;
        const known = model.expected(pid);
        if (known === undefined || known.epoch !== model.epochs.get(pid)) break;
        const original = known.batches[op.pick % known.batches.length]!;
        const info = await log.appendAsLeader(idempotentBatch(pid, original.epoch, original.firstSeq, original.lastSeq - original.firstSeq + 1), 0);
        expect(info).toMatchObject({ duplicate: true, firstOffset: original.firstOffset, lastOffset: original.lastOffset });
        break;
      }
      case "gap": {
        const pid = PRODUCERS[op.p]!;
        const known = model.expected(pid);
        if (known === undefined || known.epoch !== model.epochs.get(pid)) break;
        await expect(log.appendAsLeader(idempotentBatch(pid, known.epoch, model.nextSequence(pid) + 1, 1), 0)).rejects.toMatchObject({ errorCode: 45 });
        break;
      }
      case "stale": {
        const pid = PRODUCERS[op.p]!;
        const known = model.expected(pid);
        if (known === undefined || known.epoch === 0) break;
        await expect(log.appendAsLeader(idempotentBatch(pid, known.epoch - 1, 0, 1), 0)).rejects.toMatchObject({ errorCode: 47 });
        break;
      }
      case "bump":
        model.epochs.set(PRODUCERS[op.p]!, model.epochs.get(PRODUCERS[op.p]!)! + 1);
        break;
      case "roll":
        await log.forceRoll();
        break;
      case "truncate": {
        const to = Math.floor(op.at * model.logEnd);
        await log.truncateTo(to);
        model.stored = model.stored.filter((b) => b.lastOffset < to);
        // A producer whose stored epoch went back may send with an epoch the partition no longer saw: still newer, still fine.
        break;
      }
      case "crash":
        fs = fs.crash({ tearLastPage: true });
        log = await openLog(fs, config, { cleanShutdown: false, recoveryPoint: 0 }, clock);
        break;
      case "reopen":
        await log.close();
        log = await openLog(fs, config, { cleanShutdown: true }, clock);
        break;
    }
    await checkState(log, model);
  }
  // Never stored twice: every (producer, epoch, sequence) appears once in the log.
  const keys = model.stored.map((b) => `${b.pid}/${b.epoch}/${b.firstSeq}`);
  expect(new Set(keys).size).toBe(keys.length);
  await log.close();
}

describe("producer state against a model", () => {
  it("matches the log after sends, retries, refusals, epoch bumps, rolls, truncations, crashes and reopens", async () => {
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), runOps), { numRuns: RUNS });
  });
});
