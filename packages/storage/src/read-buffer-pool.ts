/**
 * Read buffers handed back by readers once their bytes have been written out
 * (to a socket, say), so the next fetch of about the same size reuses one
 * instead of allocating a fresh ArrayBuffer: at 1 MiB reads the allocation
 * and its garbage collection cost about as much as the pread itself.
 *
 * Returning a buffer is optional (an unreturned one is simply collected) but
 * a returned buffer must no longer be referenced by its reader: the next
 * read overwrites it. The pool only keeps a bounded number of free buffers.
 */
export class ReadBufferPool {
  private readonly free: Buffer[] = [];

  /**
   * @param bufferBytes capacity of every pooled buffer; reads larger than this
   *   (or smaller than `minPooledBytes`) get a buffer of their own.
   * @param maxFreeBuffers free buffers kept at most; more are left to the GC.
   * @param minPooledBytes reads below this are served from Node's own small-buffer pool.
   */
  constructor(
    readonly bufferBytes: number,
    readonly maxFreeBuffers: number,
    readonly minPooledBytes: number = 64 * 1024,
  ) {
    if (!(bufferBytes > 0 && maxFreeBuffers >= 0 && minPooledBytes <= bufferBytes)) {
      throw new Error(`invalid read buffer pool bounds: bufferBytes=${bufferBytes} maxFreeBuffers=${maxFreeBuffers} minPooledBytes=${minPooledBytes}`);
    }
  }

  get freeBuffers(): number {
    return this.free.length;
  }

  /** A buffer of exactly `length` bytes (a view of a pooled one when pooled) and how to give it back. */
  acquire(length: number): { buffer: Buffer; release: () => void } {
    if (this.maxFreeBuffers === 0 || length < this.minPooledBytes || length > this.bufferBytes) return { buffer: Buffer.allocUnsafe(length), release: noop };
    const whole = this.free.pop() ?? Buffer.allocUnsafeSlow(this.bufferBytes);
    let released = false;
    return {
      buffer: whole.subarray(0, length),
      release: () => {
        // Idempotent: a second release must not put the same buffer in the free list twice.
        if (released) return;
        released = true;
        if (this.free.length < this.maxFreeBuffers) this.free.push(whole);
      },
    };
  }
}

function noop(): void {}
