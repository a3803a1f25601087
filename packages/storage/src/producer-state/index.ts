export { ProducerStateManager, DEFAULT_PRODUCER_ID_EXPIRATION_MS } from "./producer-state-manager.js";
export { ProducerStateEntry, BATCHES_RETAINED_PER_PRODUCER, type ProducerBatchMetadata } from "./producer-state-entry.js";
export { OutOfOrderSequenceError, InvalidProducerEpochError } from "./producer-state-errors.js";
export { ProducerSnapshots, PRODUCER_SNAPSHOTS_RETAINED } from "./producer-snapshots.js";
export { encodeProducerSnapshot, decodeProducerSnapshot, producerSnapshotFileName, CorruptProducerSnapshotError, PRODUCER_SNAPSHOT_SUFFIX } from "./producer-snapshot-format.js";
export { readBatchProducerFields, type BatchProducerFields } from "./batch-producer-fields.js";
export { incrementSequence, decrementSequence, inSequence, INT32_MAX, NO_PRODUCER_ID, NO_PRODUCER_EPOCH, NO_SEQUENCE } from "./sequence.js";
export { replayProducerState } from "./replay-producer-state.js";
