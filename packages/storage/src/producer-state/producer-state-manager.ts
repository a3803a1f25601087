import type { BatchHeader } from "../batch-validation.js";
import { readBatchProducerFields, type BatchProducerFields } from "./batch-producer-fields.js";
import { ProducerStateEntry, type ProducerBatchMetadata } from "./producer-state-entry.js";
import { InvalidProducerEpochError, OutOfOrderSequenceError } from "./producer-state-errors.js";
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE, inSequence } from "./sequence.js";

/** Kafka's producer.id.expiration.ms default: one day. */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;

/**
 * One partition's idempotent-producer state: producer id → epoch and last
 * batches. The partition log calls it inside its serialised append path, so
 * the duplicate check and the write are one atomic step.
 *
 * The rules are Kafka's (ProducerAppendInfo, client origin):
 * - a batch repeating one of the producer's remembered batches (same epoch,
 *   same sequence range) is a duplicate: nothing is written and the original
 *   offsets are the answer;
 * - an epoch older than the known one is INVALID_PRODUCER_EPOCH;
 * - a newer epoch must start at sequence 0, unless the partition knew no
 *   epoch for the producer;
 * - in the same epoch the first sequence must follow the last one (wrapping at
 *   INT32_MAX), unless the partition knows no epoch for the producer — a
 *   producer unknown here (new, or expired) may start at any sequence, as
 *   Kafka ≥ 2.5 allows.
 * Replicated and replayed batches update the state without any check.
 */
export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerStateEntry>();
  private duplicates = 0;

  constructor(private readonly label: string) {}

  get producerCount(): number {
    return this.producers.size;
  }

  /** Duplicate batches answered with their original offsets since the log was opened. */
  get duplicateBatchCount(): number {
    return this.duplicates;
  }

  entry(producerId: number): ProducerStateEntry | undefined {
    return this.producers.get(producerId);
  }

  entries(): IterableIterator<ProducerStateEntry> {
    return this.producers.values();
  }

  /**
   * Checks a producer's append before offsets are assigned. Returns the
   * remembered batch when the append repeats one (the caller answers with its
   * offsets and writes nothing), undefined when it may be written; throws
   * OutOfOrderSequenceError / InvalidProducerEpochError otherwise. Changes
   * nothing: `apply` records the batches once their offsets are known.
   */
  checkLeaderAppend(records: Buffer, batches: readonly BatchHeader[]): ProducerBatchMetadata | undefined {
    // Per producer, the entry as it would be after the earlier batches of this append.
    let pending: Map<number, ProducerStateEntry> | undefined;
    for (const b of batches) {
      const fields = readBatchProducerFields(records, b.position);
      if (fields.producerId === NO_PRODUCER_ID || fields.isControl) continue;
      const current = this.producers.get(fields.producerId);
      const duplicate = current?.findDuplicate(fields.producerEpoch, fields.baseSequence, fields.lastSequence);
      if (duplicate !== undefined) {
        this.duplicates += 1;
        return duplicate;
      }
      pending ??= new Map();
      let updated = pending.get(fields.producerId);
      if (updated === undefined) {
        updated = new ProducerStateEntry(fields.producerId, current?.producerEpoch ?? NO_PRODUCER_EPOCH);
        pending.set(fields.producerId, updated);
      }
      this.checkBatch(fields, current, updated);
      // Offsets are not assigned yet; only the sequence matters for the next batches of this append.
      updated.addBatch(fields.producerEpoch, { firstSequence: fields.baseSequence, lastSequence: fields.lastSequence, firstOffset: -1, lastOffset: -1, maxTimestamp: b.maxTimestamp });
    }
    return undefined;
  }

  private checkBatch(fields: BatchProducerFields, current: ProducerStateEntry | undefined, updated: ProducerStateEntry): void {
    const { producerId, producerEpoch, baseSequence } = fields;
    if (producerEpoch < updated.producerEpoch) {
      throw new InvalidProducerEpochError(`epoch ${producerEpoch} of producer ${producerId} in ${this.label} is older than its last seen epoch ${updated.producerEpoch}`);
    }
    if (producerEpoch !== updated.producerEpoch) {
      if (baseSequence !== 0 && updated.producerEpoch !== NO_PRODUCER_EPOCH) {
        throw new OutOfOrderSequenceError(`new epoch ${producerEpoch} of producer ${producerId} in ${this.label} starts at sequence ${baseSequence}, not 0`);
      }
      return;
    }
    const knownEpoch = current?.producerEpoch ?? NO_PRODUCER_EPOCH;
    let lastSequence = NO_SEQUENCE;
    if (updated.batches.length > 0) lastSequence = updated.lastSequence;
    else if (current !== undefined && producerEpoch === current.producerEpoch) lastSequence = current.lastSequence;
    if (knownEpoch !== NO_PRODUCER_EPOCH && !inSequence(lastSequence, baseSequence)) {
      throw new OutOfOrderSequenceError(`sequence ${baseSequence} of producer ${producerId} (epoch ${producerEpoch}) in ${this.label} does not follow its last sequence ${lastSequence}`);
    }
  }

  /** Records written batches (offsets assigned): leader appends after their check, replicated and replayed batches as they are. */
  apply(records: Buffer, batches: readonly BatchHeader[]): void {
    for (const b of batches) this.applyBatch(readBatchProducerFields(records, b.position), b);
  }

  applyBatch(fields: BatchProducerFields, b: Pick<BatchHeader, "baseOffset" | "lastOffset" | "maxTimestamp">): void {
    if (fields.producerId === NO_PRODUCER_ID || fields.isControl) return;
    let entry = this.producers.get(fields.producerId);
    if (entry === undefined) {
      entry = new ProducerStateEntry(fields.producerId);
      this.producers.set(fields.producerId, entry);
    }
    entry.addBatch(fields.producerEpoch, {
      firstSequence: fields.baseSequence,
      lastSequence: fields.lastSequence,
      firstOffset: b.baseOffset,
      lastOffset: b.lastOffset,
      maxTimestamp: b.maxTimestamp,
    });
  }

  /** Forgets producers whose last batch is older than `expirationMs` (producer.id.expiration.ms); returns how many. */
  removeExpired(nowMs: number, expirationMs: number): number {
    let removed = 0;
    for (const [id, entry] of this.producers) {
      if (nowMs - entry.lastTimestamp >= expirationMs) {
        this.producers.delete(id);
        removed += 1;
      }
    }
    return removed;
  }

  /** Replaces the whole state (loading a snapshot). */
  load(entries: Iterable<ProducerStateEntry>): void {
    this.producers.clear();
    for (const e of entries) this.producers.set(e.producerId, e);
  }

  clear(): void {
    this.producers.clear();
  }
}
