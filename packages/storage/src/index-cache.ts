/** Something holding loaded index buffers that can drop them and reload on demand. */
export interface IndexHolder {
  unloadIndexes(): void;
}

/**
 * Bounds the memory of indexes of inactive segments across all logs: an LRU
 * over holders, by loaded index bytes. Active segments keep their indexes
 * outside the cache (they are written on every append).
 */
export class IndexCache {
  private readonly lru = new Map<IndexHolder, number>();
  private totalBytes = 0;

  constructor(readonly maxBytes: number) {}

  get loadedBytes(): number {
    return this.totalBytes;
  }

  /** Marks `holder` as just used with `bytes` loaded; evicts the least recently used others over the bound. */
  touch(holder: IndexHolder, bytes: number): void {
    const previous = this.lru.get(holder);
    if (previous !== undefined) {
      this.totalBytes -= previous;
      this.lru.delete(holder);
    }
    this.lru.set(holder, bytes);
    this.totalBytes += bytes;
    for (const [victim, victimBytes] of this.lru) {
      if (this.totalBytes <= this.maxBytes || victim === holder) break;
      this.lru.delete(victim);
      this.totalBytes -= victimBytes;
      victim.unloadIndexes();
    }
  }

  /** Forgets `holder` without calling it (it was closed or became active). */
  remove(holder: IndexHolder): void {
    const bytes = this.lru.get(holder);
    if (bytes === undefined) return;
    this.lru.delete(holder);
    this.totalBytes -= bytes;
  }
}
