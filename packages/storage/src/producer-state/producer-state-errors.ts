import { StorageError } from "../errors.js";

/** A batch's sequence does not follow the producer's last one (OUT_OF_ORDER_SEQUENCE_NUMBER). */
export class OutOfOrderSequenceError extends StorageError {
  readonly code = "OUT_OF_ORDER_SEQUENCE";
  readonly errorCode = 45;
}

/** A batch carries an older producer epoch than the partition has seen (INVALID_PRODUCER_EPOCH). */
export class InvalidProducerEpochError extends StorageError {
  readonly code = "INVALID_PRODUCER_EPOCH";
  readonly errorCode = 47;
}
