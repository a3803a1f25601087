/**
 * Long-poll waiters keyed by partition. Acknowledged appends (and role
 * changes) call `notify(key)`, which wakes every waiter; a leader's log end
 * moving before its fsync calls `notifyWritten(key)`, which wakes only
 * follower fetches (they read up to the log end, consumers only up to the
 * high watermark, which has not moved yet). A leader's log start moving
 * (DeleteRecords) calls `notifyLogStartMoved(key)`, which makes follower
 * fetches answer at once, even empty, so followers learn the new log start.
 * Otherwise each waiter decides whether it now has enough data. No polling loop: the only timer is the waiter's own
 * MaxWaitMs deadline, set by its owner.
 */
/** Wakes a waiting fetch; `answerNow` makes it answer even with less than its minBytes. */
export type FetchWake = (answerNow: boolean) => void;

export class FetchPurgatory {
  private readonly waiters = new Map<string, Set<FetchWake>>();
  private readonly writtenWaiters = new Map<string, Set<FetchWake>>();

  /**
   * Calls `wake` after each append to any of `keys` (and, with
   * `wakeOnWrite`, as soon as the bytes are written) until the returned
   * cancel is called.
   */
  watch(keys: readonly string[], wake: FetchWake, wakeOnWrite = false): () => void {
    const maps = wakeOnWrite ? [this.waiters, this.writtenWaiters] : [this.waiters];
    for (const map of maps) for (const k of keys) addTo(map, k, wake);
    return () => {
      for (const map of maps) for (const k of keys) removeFrom(map, k, wake);
    };
  }

  notify(key: string): void {
    wakeAll(this.waiters, key, false);
  }

  notifyWritten(key: string): void {
    wakeAll(this.writtenWaiters, key, false);
  }

  /** Follower fetches on `key` answer now: the leader's log start moved and they report theirs back. */
  notifyLogStartMoved(key: string): void {
    wakeAll(this.writtenWaiters, key, true);
  }

  get watchedKeys(): number {
    return this.waiters.size;
  }
}

function addTo(map: Map<string, Set<FetchWake>>, key: string, wake: FetchWake): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(wake);
}

function removeFrom(map: Map<string, Set<FetchWake>>, key: string, wake: FetchWake): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(wake);
  if (set.size === 0) map.delete(key);
}

function wakeAll(map: Map<string, Set<FetchWake>>, key: string, answerNow: boolean): void {
  const set = map.get(key);
  if (!set) return;
  for (const wake of [...set]) wake(answerNow);
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
