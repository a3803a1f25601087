import { BatchAttribute, BatchField } from "@samsa/protocol";
import { NO_PRODUCER_ID, incrementSequence } from "./sequence.js";

/** The producer fields of one stored batch, read from its header only (records are never decoded). */
export interface BatchProducerFields {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastSequence: number;
  isControl: boolean;
}

/**
 * Reads the producer fields of the batch starting at `position` in `buf`.
 * The batch header was validated before (length, magic, CRC).
 */
export function readBatchProducerFields(buf: Buffer, position: number): BatchProducerFields {
  const rawId = buf.readBigInt64BE(position + BatchField.producerId);
  // Producer ids are allocated from 0 upwards; anything outside the safe range is no id we handed out.
  const producerId = rawId < 0n || rawId > BigInt(Number.MAX_SAFE_INTEGER) ? NO_PRODUCER_ID : Number(rawId);
  const baseSequence = buf.readInt32BE(position + BatchField.baseSequence);
  const lastOffsetDelta = buf.readInt32BE(position + BatchField.lastOffsetDelta);
  return {
    producerId,
    producerEpoch: buf.readInt16BE(position + BatchField.producerEpoch),
    baseSequence,
    lastSequence: incrementSequence(baseSequence, lastOffsetDelta),
    isControl: (buf.readInt16BE(position + BatchField.attributes) & BatchAttribute.control) !== 0,
  };
}
