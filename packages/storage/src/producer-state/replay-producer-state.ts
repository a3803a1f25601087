import type { LogSegment } from "../segment.js";
import { readBatchProducerFields } from "./batch-producer-fields.js";
import type { ProducerStateManager } from "./producer-state-manager.js";

/**
 * Rebuilds producer state from the log: applies every batch with offsets in
 * [fromOffset, toOffset) to `state`, reading batch headers only. Returns the
 * number of batches visited.
 */
export async function replayProducerState(segments: readonly LogSegment[], fromOffset: number, toOffset: number, state: ProducerStateManager): Promise<number> {
  let visited = 0;
  for (const segment of segments) {
    if (segment.nextOffset <= fromOffset || segment.baseOffset >= toOffset || segment.isEmpty) continue;
    const start = fromOffset <= segment.baseOffset ? { position: 0 } : await segment.locate(fromOffset);
    if (start === undefined) continue;
    let reachedEnd = false;
    await segment.scan(start.position, false, (h, bytes) => {
      if (h.baseOffset >= toOffset) {
        reachedEnd = true;
        return false;
      }
      if (h.lastOffset >= fromOffset) {
        state.applyBatch(readBatchProducerFields(bytes, 0), h);
        visited += 1;
      }
      return true;
    }, segment.sizeBytes);
    if (reachedEnd) break;
  }
  return visited;
}
