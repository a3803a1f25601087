import type { BrokerRegistration, MetadataImage, TopicImage } from "@samsa/raft-controller";
import type { BrokerMetadata, MetadataStore, PartitionMetadata, TopicMetadata } from "./metadata-store.js";

/**
 * MetadataStore over the latest applied MetadataImage. Images share unchanged
 * objects, so conversions are cached per TopicImage / broker map and a new image
 * only converts what changed.
 */
export class ImageMetadataView implements MetadataStore {
  private current: MetadataImage;
  private readonly topicCache = new WeakMap<TopicImage, TopicMetadata>();
  private brokerCache: { source: ReadonlyMap<number, BrokerRegistration>; list: BrokerMetadata[] } | null = null;

  constructor(
    readonly clusterId: string,
    initial: MetadataImage,
    private readonly activeController: () => number,
  ) {
    this.current = initial;
  }

  get image(): MetadataImage {
    return this.current;
  }

  update(image: MetadataImage): void {
    this.current = image;
  }

  *topics(): Iterable<TopicMetadata> {
    for (const topic of this.current.topicsById.values()) yield this.convert(topic);
  }

  topic(name: string): TopicMetadata | undefined {
    const topic = this.current.topic(name);
    return topic ? this.convert(topic) : undefined;
  }

  topicById(topicId: string): TopicMetadata | undefined {
    const topic = this.current.topicsById.get(topicId);
    return topic ? this.convert(topic) : undefined;
  }

  brokers(): readonly BrokerMetadata[] {
    const source = this.current.brokers;
    if (this.brokerCache?.source !== source) {
      const list = [...source.values()]
        .sort((a, b) => a.id - b.id)
        .map((b) => ({ id: b.id, rack: b.rack, fenced: b.fenced, endpoints: b.endpoints.map((e) => ({ name: e.name, host: e.host, port: e.port })) }));
      this.brokerCache = { source, list };
    }
    return this.brokerCache.list;
  }

  controllerId(): number {
    return this.activeController();
  }

  private convert(topic: TopicImage): TopicMetadata {
    // Configs live outside the topic object: cache only while they are the same map.
    const configs = this.current.configs.get(`topic:${topic.name}`);
    const cached = this.topicCache.get(topic);
    if (cached && sameConfigs(cached.configs, configs)) return cached;
    const partitions: PartitionMetadata[] = [...topic.partitions.values()]
      .sort((a, b) => a.partitionId - b.partitionId)
      .map((p) => ({ partition: p.partitionId, leader: p.leader, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, replicas: p.replicas, isr: p.isr }));
    const converted: TopicMetadata = {
      name: topic.name,
      topicId: topic.id,
      partitionCount: partitions.length,
      configs: Object.fromEntries(configs ?? []),
      leaderEpochs: partitions.map((p) => p.leaderEpoch),
      partitions,
    };
    this.topicCache.set(topic, converted);
    return converted;
  }
}

function sameConfigs(record: Readonly<Record<string, string>>, map: ReadonlyMap<string, string> | undefined): boolean {
  const keys = Object.keys(record);
  if (keys.length !== (map?.size ?? 0)) return false;
  return keys.every((k) => map!.get(k) === record[k]);
}
