/**
 * Long-poll waiters keyed by partition. Acknowledged appends (and role
 * changes) call `notify(key)`, which wakes every waiter; a leader's log end
 * moving before its fsync calls `notifyWritten(key)`, which wakes only
 * follower fetches (they read up to the log end, consumers only up to the
 * high watermark, which has not moved yet). Each waiter decides whether it
 * now has enough data. No polling loop: the only timer is the waiter's own
 * MaxWaitMs deadline, set by its owner.
 */
export class FetchPurgatory {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly writtenWaiters = new Map<string, Set<() => void>>();

  /**
   * Calls `wake` after each append to any of `keys` (and, with
   * `wakeOnWrite`, as soon as the bytes are written) until the returned
   * cancel is called.
   */
  watch(keys: readonly string[], wake: () => void, wakeOnWrite = false): () => void {
    const maps = wakeOnWrite ? [this.waiters, this.writtenWaiters] : [this.waiters];
    for (const map of maps) for (const k of keys) addTo(map, k, wake);
    return () => {
      for (const map of maps) for (const k of keys) removeFrom(map, k, wake);
    };
  }

  notify(key: string): void {
    wakeAll(this.waiters, key);
  }

  notifyWritten(key: string): void {
    wakeAll(this.writtenWaiters, key);
  }

  get watchedKeys(): number {
    return this.waiters.size;
  }
}

function addTo(map: Map<string, Set<() => void>>, key: string, wake: () => void): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(wake);
}

function removeFrom(map: Map<string, Set<() => void>>, key: string, wake: () => void): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(wake);
  if (set.size === 0) map.delete(key);
}

function wakeAll(map: Map<string, Set<() => void>>, key: string): void {
  const set = map.get(key);
  if (!set) return;
  for (const wake of [...set]) wake();
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
