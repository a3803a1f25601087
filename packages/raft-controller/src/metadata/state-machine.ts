import type { LogEntry, Snapshot } from "../raft/types.js";
import { decodeMetadataRecord, decodeMetadataSnapshot, encodeMetadataSnapshot } from "./codec.js";
import { MetadataImage } from "./image.js";

/**
 * Applies committed metadata-log entries to the image, on the active controller and
 * on every follower and observer alike, and decides when to snapshot: after
 * `snapshotEveryBytes` of applied log, the image is serialised at the applied offset.
 */
export class MetadataStateMachine {
  private currentImage = MetadataImage.EMPTY;
  private appliedEndOffset = 0;
  private bytesSinceSnapshot = 0;

  constructor(private readonly snapshotEveryBytes: number) {}

  get image(): MetadataImage {
    return this.currentImage;
  }

  /** Offset after the last applied entry: the broker's "current metadata offset" + 1. */
  get appliedOffset(): number {
    return this.appliedEndOffset;
  }

  loadSnapshot(snapshot: Snapshot): void {
    const { records, endOffset } = decodeMetadataSnapshot(snapshot.data);
    this.currentImage = MetadataImage.fromSnapshot(records, endOffset);
    this.appliedEndOffset = endOffset;
    this.bytesSinceSnapshot = 0;
  }

  apply(entries: readonly LogEntry[]): void {
    for (const entry of entries) {
      // Leader-change entries are Raft's own; they occupy an offset but change no metadata.
      if (entry.kind === "data") this.currentImage = this.currentImage.replay(decodeMetadataRecord(entry.payload), entry.offset);
      this.appliedEndOffset = entry.offset + 1;
      this.bytesSinceSnapshot += entry.payload.byteLength;
    }
  }

  /** The snapshot to hand to `RaftCore.createSnapshot` when enough log accumulated, else null. */
  takeSnapshotIfDue(): { endOffset: number; data: Uint8Array } | null {
    if (this.bytesSinceSnapshot < this.snapshotEveryBytes || this.appliedEndOffset === 0) return null;
    this.bytesSinceSnapshot = 0;
    return { endOffset: this.appliedEndOffset, data: encodeMetadataSnapshot(this.appliedEndOffset, this.currentImage.toRecords()) };
  }
}
