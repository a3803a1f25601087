import { NO_PRODUCER_EPOCH, NO_SEQUENCE } from "./sequence.js";

/** How many of a producer's latest batches each partition remembers (Kafka's max.in.flight limit for idempotence). */
export const BATCHES_RETAINED_PER_PRODUCER = 5;

/** One remembered batch of a producer: enough to recognise its retry and answer with its offsets. */
export interface ProducerBatchMetadata {
  firstSequence: number;
  lastSequence: number;
  firstOffset: number;
  lastOffset: number;
  /** The batch's max timestamp (the log append time under LogAppendTime). */
  maxTimestamp: number;
}

/**
 * What one partition knows about one producer id: its epoch and its last
 * few batches, oldest first. A batch with a new epoch clears the batches of
 * the previous one (as Kafka's ProducerStateEntry does).
 */
export class ProducerStateEntry {
  constructor(
    readonly producerId: number,
    public producerEpoch: number = NO_PRODUCER_EPOCH,
    /** Max timestamp of the producer's last batch; drives producer.id.expiration.ms. */
    public lastTimestamp: number = -1,
    readonly batches: ProducerBatchMetadata[] = [],
  ) {}

  get lastSequence(): number {
    return this.batches.length === 0 ? NO_SEQUENCE : this.batches[this.batches.length - 1]!.lastSequence;
  }

  get lastOffset(): number {
    return this.batches.length === 0 ? -1 : this.batches[this.batches.length - 1]!.lastOffset;
  }

  addBatch(producerEpoch: number, batch: ProducerBatchMetadata): void {
    if (producerEpoch !== this.producerEpoch) {
      this.batches.length = 0;
      this.producerEpoch = producerEpoch;
    }
    if (this.batches.length === BATCHES_RETAINED_PER_PRODUCER) this.batches.shift();
    this.batches.push(batch);
    this.lastTimestamp = batch.maxTimestamp;
  }

  /** The remembered batch with exactly this epoch and sequence range, if any. */
  findDuplicate(producerEpoch: number, firstSequence: number, lastSequence: number): ProducerBatchMetadata | undefined {
    if (producerEpoch !== this.producerEpoch) return undefined;
    return this.batches.find((b) => b.firstSequence === firstSequence && b.lastSequence === lastSequence);
  }

  clone(): ProducerStateEntry {
    return new ProducerStateEntry(this.producerId, this.producerEpoch, this.lastTimestamp, this.batches.map((b) => ({ ...b })));
  }
}
