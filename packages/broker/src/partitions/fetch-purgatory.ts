/**
 * Long-poll waiters keyed by partition. Appends call `notify(key)`; each
 * waiter decides whether it now has enough data. No polling loop: the only
 * timer is the waiter's own MaxWaitMs deadline, set by its owner.
 */
export class FetchPurgatory {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Calls `wake` after each append to any of `keys` until the returned cancel is called. */
  watch(keys: readonly string[], wake: () => void): () => void {
    for (const k of keys) {
      let set = this.waiters.get(k);
      if (!set) this.waiters.set(k, (set = new Set()));
      set.add(wake);
    }
    return () => {
      for (const k of keys) {
        const set = this.waiters.get(k);
        if (!set) continue;
        set.delete(wake);
        if (set.size === 0) this.waiters.delete(k);
      }
    };
  }

  notify(key: string): void {
    const set = this.waiters.get(key);
    if (!set) return;
    for (const wake of [...set]) wake();
  }

  get watchedKeys(): number {
    return this.waiters.size;
  }
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
