/**
 * Kafka's producer sequence arithmetic. Sequences are int32 and wrap from
 * INT32_MAX back to 0, so "the next sequence" and "the first sequence of a
 * batch" are computed with these helpers, never with plain `+`/`-`.
 */
export const INT32_MAX = 0x7fffffff;
/** Producer fields of a batch written by a non-idempotent producer. */
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;

export function incrementSequence(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment;
}

export function decrementSequence(sequence: number, decrement: number): number {
  return sequence < decrement ? INT32_MAX - (decrement - sequence) + 1 : sequence - decrement;
}

/** Whether `next` directly follows `last` (wrapping at INT32_MAX). */
export function inSequence(last: number, next: number): boolean {
  return next === last + 1 || (next === 0 && last === INT32_MAX);
}
