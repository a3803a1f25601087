import type { ProducerIdAllocator } from "./producer-id-allocator.js";

/** Largest producer epoch; Kafka hands out a new producer id instead of reaching it. */
export const MAX_PRODUCER_EPOCH = 32767;
/** Producers whose latest epoch is remembered for KIP-360 epoch bumps; the oldest are forgotten first. */
export const DEFAULT_MAX_TRACKED_PRODUCERS = 100_000;

export interface ProducerIdAndEpoch {
  producerId: number;
  producerEpoch: number;
}

/**
 * Hands out producer ids for InitProducerId from blocks of the allocator,
 * one block at a time (a new one is reserved when the current one is used up).
 *
 * An idempotent producer that asks again with the id and epoch it holds
 * (InitProducerId v3+, KIP-360, after an OUT_OF_ORDER_SEQUENCE_NUMBER or
 * UNKNOWN_PRODUCER_ID) gets the same id with the next epoch when they match
 * the latest epoch handed out for that id; otherwise (an id this broker does
 * not remember, a stale epoch, or an exhausted epoch) it gets a fresh id with
 * epoch 0, which is what Kafka answers every non-transactional producer.
 */
export class ProducerIdManager {
  private block: { next: number; end: number } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Latest epoch handed out per producer id, oldest insertion first. */
  private readonly latestEpochs = new Map<number, number>();
  private issued = 0;

  constructor(
    private readonly allocator: ProducerIdAllocator,
    private readonly maxTrackedProducers: number = DEFAULT_MAX_TRACKED_PRODUCERS,
  ) {}

  /** Producer ids and epoch bumps handed out since start (metrics). */
  get issuedCount(): number {
    return this.issued;
  }

  async initProducerId(current?: ProducerIdAndEpoch): Promise<ProducerIdAndEpoch> {
    if (current !== undefined) {
      const latest = this.latestEpochs.get(current.producerId);
      if (latest === current.producerEpoch && latest < MAX_PRODUCER_EPOCH - 1) return this.remember(current.producerId, latest + 1);
    }
    return this.remember(await this.nextProducerId(), 0);
  }

  private remember(producerId: number, producerEpoch: number): ProducerIdAndEpoch {
    this.latestEpochs.delete(producerId);
    this.latestEpochs.set(producerId, producerEpoch);
    if (this.latestEpochs.size > this.maxTrackedProducers) this.latestEpochs.delete(this.latestEpochs.keys().next().value!);
    this.issued += 1;
    return { producerId, producerEpoch };
  }

  /** Ids are taken one caller at a time, so callers waiting for a new block are served in order. */
  private nextProducerId(): Promise<number> {
    const taken = this.queue.then(() => this.takeProducerId());
    this.queue = taken.catch(() => undefined);
    return taken;
  }

  private async takeProducerId(): Promise<number> {
    if (this.block === undefined || this.block.next >= this.block.end) {
      const fetched = await this.allocator.nextBlock();
      if (!(fetched.size >= 1)) throw new Error(`the producer id allocator returned an empty block at ${fetched.firstProducerId}`);
      this.block = { next: fetched.firstProducerId, end: fetched.firstProducerId + fetched.size };
    }
    return this.block.next++;
  }
}
