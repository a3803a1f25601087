import { describe, expect, it } from "vitest";
import { assertHistory, checkHistory, type AcknowledgedWrite, type ReadRecord } from "../src/history.js";

const acked: AcknowledgedWrite[] = [
  { id: "a", partition: 0, offset: 0 },
  { id: "b", partition: 1 },
  { id: "c", partition: 0, offset: 1 },
  { id: "d", partition: 1 },
];
const read: ReadRecord[] = [
  { id: "a", partition: 0, offset: 0 },
  { id: "c", partition: 0, offset: 1 },
  { id: "b", partition: 1, offset: 0 },
  { id: "d", partition: 1, offset: 5 },
];

describe("checkHistory", () => {
  it("accepts a history where every acknowledged write is read once, in order", () => {
    expect(checkHistory({ acknowledged: acked, read })).toMatchObject({ ok: true, violations: [], acknowledgedCount: 4, readCount: 4 });
  });

  it("accepts indeterminate writes present at most once", () => {
    const withExtra = [...read, { id: "maybe", partition: 0, offset: 2 }];
    expect(checkHistory({ acknowledged: acked, indeterminate: ["maybe", "absent"], read: withExtra }).ok).toBe(true);
  });

  it("reports a lost write", () => {
    const result = checkHistory({ acknowledged: acked, read: read.filter((r) => r.id !== "c") });
    expect(result.violations).toEqual([{ kind: "lost", id: "c", partition: 0 }]);
  });

  it("reports a duplicated write, acknowledged or not", () => {
    const result = checkHistory({
      acknowledged: acked,
      indeterminate: ["m"],
      read: [...read, { id: "a", partition: 0, offset: 2 }, { id: "m", partition: 1, offset: 6 }, { id: "m", partition: 1, offset: 7 }],
    });
    expect(result.violations).toEqual([
      { kind: "duplicated", id: "a", offsets: [{ partition: 0, offset: 0 }, { partition: 0, offset: 2 }] },
      { kind: "duplicated", id: "m", offsets: [{ partition: 1, offset: 6 }, { partition: 1, offset: 7 }] },
    ]);
  });

  it("judges a duplicated write by the copy at its acknowledged offset", () => {
    const result = checkHistory({
      acknowledged: [{ id: "x", partition: 0, offset: 3 }],
      read: [{ id: "x", partition: 0, offset: 2 }, { id: "x", partition: 0, offset: 3 }],
    });
    expect(result.violations).toEqual([{ kind: "duplicated", id: "x", offsets: [{ partition: 0, offset: 2 }, { partition: 0, offset: 3 }] }]);
  });

  it("reports writes read in another order than acknowledged", () => {
    const swapped = read.map((r) => (r.id === "a" ? { ...r, offset: 1 } : r.id === "c" ? { ...r, offset: 0 } : r));
    const result = checkHistory({ acknowledged: acked.map(({ id, partition }) => ({ id, partition })), read: swapped });
    expect(result.violations).toEqual([{ kind: "reordered", partition: 0, earlierId: "a", earlierOffset: 1, laterId: "c", laterOffset: 0 }]);
  });

  it("reports an offset different from the acknowledged one, a wrong partition, a reused offset and unknown records", () => {
    const result = checkHistory({
      acknowledged: acked,
      read: [
        { id: "a", partition: 0, offset: 0 },
        { id: "c", partition: 0, offset: 3 },
        { id: "b", partition: 2, offset: 0 },
        { id: "d", partition: 1, offset: 5 },
        { id: "ghost", partition: 1, offset: 5 },
      ],
    });
    expect(result.violations).toEqual([
      { kind: "offset-reused", partition: 1, offset: 5, ids: ["d", "ghost"] },
      { kind: "unexpected", id: "ghost", partition: 1, offset: 5 },
      { kind: "wrong-partition", id: "b", acknowledgedPartition: 1, readPartition: 2 },
      { kind: "offset-mismatch", id: "c", partition: 0, acknowledgedOffset: 1, readOffset: 3 },
    ]);
  });

  it("assertHistory throws with the violations in the message", () => {
    expect(() => assertHistory({ acknowledged: acked, read: [] })).toThrow(/4 violation\(s\)[\s\S]*"kind":"lost","id":"a"/);
    expect(() => checkHistory({ acknowledged: [acked[0]!, acked[0]!], read })).toThrow(/acknowledged twice/);
  });
});
