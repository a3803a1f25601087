/** Wall-clock milliseconds; injected so retention, segment.ms and flush.ms are testable. */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };
