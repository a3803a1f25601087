/** A range of producer ids reserved for one broker: [firstProducerId, firstProducerId + size). */
export interface ProducerIdBlock {
  readonly firstProducerId: number;
  readonly size: number;
}

/**
 * Where a broker's producer ids come from. Blocks never overlap, also across
 * restarts: single node, a local file records the last reserved block; in a
 * cluster, the active controller's ProducerIds record in the metadata log
 * (the raft-controller's `allocateProducerIds` operation) will back it.
 */
export interface ProducerIdAllocator {
  nextBlock(): Promise<ProducerIdBlock>;
}

/** Ids per block, as Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;
