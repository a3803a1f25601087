import { mkdir, open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { newTopicId } from "./topic-id.js";
import { TopicExistsError, UnknownTopicError, type MetadataStore, type TopicMetadata } from "./metadata-store.js";

export const METADATA_FILE_NAME = "__samsa-metadata.json";
const FORMAT_VERSION = 1;

interface MetadataFile {
  version: number;
  clusterId: string;
  nodeId: number;
  topics: TopicMetadata[];
}

/** Start-up found metadata from another cluster or node in the log dir. */
export class MetadataMismatchError extends Error {
  readonly code = "METADATA_MISMATCH";
  override name = "MetadataMismatchError";
}

/**
 * Single-node metadata persisted as one JSON file in the first log dir. Each
 * change writes a temp file, fsyncs it, renames it over the old one and
 * fsyncs the directory, so a crash leaves either the old or the new state.
 * Writes are serialised; readers see the in-memory state.
 */
export class LocalMetadataStore implements MetadataStore {
  private readonly byName = new Map<string, TopicMetadata>();
  private readonly byId = new Map<string, TopicMetadata>();
  private writeChain: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    readonly clusterId: string,
    private readonly nodeId: number,
    topics: TopicMetadata[],
  ) {
    for (const t of topics) this.index(t);
  }

  static async open(options: { dir: string; nodeId: number; clusterId: string | null; newClusterId?: () => string }): Promise<LocalMetadataStore> {
    await mkdir(options.dir, { recursive: true });
    const path = join(options.dir, METADATA_FILE_NAME);
    let existing: MetadataFile | undefined;
    try {
      existing = JSON.parse(await readFile(path, "utf8")) as MetadataFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    if (existing) {
      if (existing.version !== FORMAT_VERSION) throw new MetadataMismatchError(`${path}: unknown format version ${existing.version}`);
      if (options.clusterId !== null && existing.clusterId !== options.clusterId) {
        throw new MetadataMismatchError(`${path} belongs to cluster ${existing.clusterId}, not the configured cluster.id ${options.clusterId}`);
      }
      if (existing.nodeId !== options.nodeId) {
        throw new MetadataMismatchError(`${path} belongs to node ${existing.nodeId}, not node.id ${options.nodeId}`);
      }
      return new LocalMetadataStore(options.dir, existing.clusterId, existing.nodeId, existing.topics);
    }
    const clusterId = options.clusterId ?? (options.newClusterId ?? newTopicId)();
    const store = new LocalMetadataStore(options.dir, clusterId, options.nodeId, []);
    await store.persist();
    return store;
  }

  topics(): Iterable<TopicMetadata> {
    return this.byName.values();
  }
  topic(name: string): TopicMetadata | undefined {
    return this.byName.get(name);
  }
  topicById(topicId: string): TopicMetadata | undefined {
    return this.byId.get(topicId);
  }

  async createTopic(spec: { name: string; partitionCount: number; configs: Record<string, string> }): Promise<TopicMetadata> {
    if (this.byName.has(spec.name)) throw new TopicExistsError(`topic ${spec.name} already exists`);
    const topic: TopicMetadata = {
      name: spec.name,
      topicId: newTopicId(),
      partitionCount: spec.partitionCount,
      configs: { ...spec.configs },
      leaderEpochs: new Array<number>(spec.partitionCount).fill(0),
    };
    this.index(topic);
    await this.persist();
    return topic;
  }

  async deleteTopic(name: string): Promise<TopicMetadata> {
    const topic = this.require(name);
    this.byName.delete(name);
    this.byId.delete(topic.topicId);
    await this.persist();
    return topic;
  }

  async setPartitionCount(name: string, partitionCount: number): Promise<TopicMetadata> {
    const old = this.require(name);
    const leaderEpochs = [...old.leaderEpochs];
    while (leaderEpochs.length < partitionCount) leaderEpochs.push(0);
    return this.replace({ ...old, partitionCount, leaderEpochs });
  }

  async setTopicConfigs(name: string, configs: Record<string, string>): Promise<TopicMetadata> {
    return this.replace({ ...this.require(name), configs: { ...configs } });
  }

  async close(): Promise<void> {
    await this.writeChain;
  }

  private async replace(topic: TopicMetadata): Promise<TopicMetadata> {
    this.index(topic);
    await this.persist();
    return topic;
  }

  private require(name: string): TopicMetadata {
    const t = this.byName.get(name);
    if (!t) throw new UnknownTopicError(`unknown topic ${name}`);
    return t;
  }

  private index(t: TopicMetadata): void {
    this.byName.set(t.name, t);
    this.byId.set(t.topicId, t);
  }

  /** Queues a durable write of the current state; resolves when it is on disk. */
  private persist(): Promise<void> {
    const run = async () => {
      const content: MetadataFile = { version: FORMAT_VERSION, clusterId: this.clusterId, nodeId: this.nodeId, topics: [...this.byName.values()] };
      const path = join(this.dir, METADATA_FILE_NAME);
      const tmp = `${path}.tmp`;
      const fh = await open(tmp, "w");
      try {
        await fh.writeFile(JSON.stringify(content, null, 1));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
      const dh = await open(this.dir, "r");
      try {
        await dh.sync();
      } finally {
        await dh.close();
      }
    };
    const next = this.writeChain.then(run, run);
    this.writeChain = next.catch(() => undefined);
    return next;
  }
}
