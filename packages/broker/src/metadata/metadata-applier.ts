import type { MetadataDelta, MetadataImage, MetadataNode } from "@samsa/raft-controller";
import type { Logger } from "pino";
import type { PartitionManager } from "../partitions/partition-manager.js";
import { ImageMetadataView } from "./image-metadata-view.js";
import type { MetadataStore } from "./metadata-store.js";

/** Topics whose logs the broker never manages as Kafka partitions. */
const NON_PARTITION_TOPICS: ReadonlySet<string> = new Set(["__cluster_metadata"]);

/** Bound on callers waiting for metadata to be applied locally. */
export const MAX_METADATA_WAITERS = 10_000;

interface Waiter {
  readonly predicate: (metadata: MetadataStore) => boolean;
  readonly resolve: (reached: boolean) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Applies committed metadata images to this broker, one at a time in log order:
 * deleted topics lose their logs, partitions placed here get a log and become
 * leader or follower, config changes reach the logs; only then does the
 * broker's view (what Metadata and the handlers read) move to the new image, so a
 * client told "this broker leads" finds the partition ready. Once the image holds
 * this broker's own registration (it caught up), logs of partitions no longer
 * placed here are removed.
 */
export class MetadataApplier {
  private chain: Promise<void> = Promise.resolve();
  private readonly waiters = new Set<Waiter>();
  private strayLogsRemoved = false;
  private strayLogRemovalAllowed = false;
  private latest: MetadataImage | null = null;
  private unsubscribe: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly nodeId: number,
    private readonly view: ImageMetadataView,
    private readonly partitions: PartitionManager | null,
    private readonly logger: Logger,
    /** This broker's registration incarnation, to tell when the image caught up with it. */
    private readonly incarnationId: string | null,
  ) {}

  start(node: Pick<MetadataNode, "onImage">): void {
    this.unsubscribe = node.onImage((image, delta) => {
      this.chain = this.chain.then(
        () => this.apply(image, delta),
        () => this.apply(image, delta),
      );
    });
  }

  /**
   * Lets the applier delete logs the caught-up metadata does not place here; held
   * back until start-up imported the pre-quorum topics, whose logs must survive.
   */
  allowStrayLogRemoval(): void {
    this.strayLogRemovalAllowed = true;
    this.chain = this.chain.then(() => this.maybeRemoveStrayLogs()).catch((err: unknown) => this.logger.error({ err }, "removing stray logs failed"));
  }

  /** Resolves with true once an applied image satisfies `predicate`, false after `timeoutMs`. */
  waitFor(predicate: (metadata: MetadataStore) => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate(this.view)) return Promise.resolve(true);
    if (this.closed || this.waiters.size >= MAX_METADATA_WAITERS) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Stops applying and waits for the change in progress. */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    await this.chain.catch(() => undefined);
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
    this.waiters.clear();
  }

  private async apply(image: MetadataImage, delta: MetadataDelta): Promise<void> {
    if (this.closed) return;
    this.latest = image;
    try {
      if (this.partitions) await this.applyToPartitions(image, delta, this.partitions);
    } catch (err) {
      // A failed log operation must not stop later changes; the next change of the partition retries it.
      this.logger.error({ err }, "applying a metadata change to local partitions failed");
    }
    this.view.update(image);
    for (const waiter of [...this.waiters]) {
      if (!waiter.predicate(this.view)) continue;
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
      waiter.resolve(true);
    }
  }

  private async applyToPartitions(image: MetadataImage, delta: MetadataDelta, partitions: PartitionManager): Promise<void> {
    for (const { name, topicId } of delta.deletedTopics) await partitions.deleteTopic(name, topicId);
    if (delta.fromSnapshot) {
      // Replicas of topics the snapshot no longer has.
      for (const p of [...partitions.all()]) if (image.topicsById.get(p.topicId)?.name !== p.topic) await partitions.deleteTopic(p.topic, p.topicId);
    }
    const changed = delta.fromSnapshot
      ? [...image.topicsById.values()].flatMap((t) => [...t.partitions.values()].map((partition) => ({ topicName: t.name, partition })))
      : delta.changedPartitions;
    const configChanged = new Set(delta.changedConfigs.filter((k) => k.startsWith("topic:")).map((k) => k.slice("topic:".length)));
    // Converted through a scratch view of the new image: the broker's view moves only after this apply.
    const next = new ImageMetadataView(this.view.clusterId, image, () => -1);
    for (const { topicName, partition } of changed) {
      const topic = next.topic(topicName);
      if (!topic) continue;
      const state = topic.partitions[partition.partitionId];
      if (state) await partitions.applyPartition(topic, state, this.nodeId);
    }
    for (const name of delta.fromSnapshot ? image.topicIdsByName.keys() : configChanged) {
      const topic = next.topic(name);
      if (topic) partitions.configChanged(topic);
    }
    await this.maybeRemoveStrayLogs();
  }

  private async maybeRemoveStrayLogs(): Promise<void> {
    const image = this.latest;
    const partitions = this.partitions;
    if (this.closed || !image || !partitions || this.strayLogsRemoved || !this.strayLogRemovalAllowed) return;
    if (this.incarnationId !== null && image.brokers.get(this.nodeId)?.incarnationId === this.incarnationId) {
      this.strayLogsRemoved = true;
      await partitions.removeStrayLogs((topic, partition) => {
        const t = image.topic(topic);
        return t !== undefined && (t.partitions.get(partition)?.replicas.includes(this.nodeId) ?? false);
      }, NON_PARTITION_TOPICS);
    }
  }
}
