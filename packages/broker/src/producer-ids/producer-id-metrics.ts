import { Counter, Gauge, type Registry } from "prom-client";
import type { PartitionLog } from "@samsa/storage";
import type { ProducerIdManager } from "./producer-id-manager.js";

interface HostedLog {
  readonly topic: string;
  readonly index: number;
  readonly log: PartitionLog;
}

/**
 * Idempotent-producer metrics, read from the partition logs at scrape time:
 * `kafka_log_log_produceridcount{topic,partition}` (Kafka's Log.ProducerIdCount
 * as the JMX exporter names it), duplicates answered with their original
 * offsets, and producer ids handed out.
 */
export function registerProducerIdMetrics(registry: Registry, partitions: () => Iterable<HostedLog>, producerIds: ProducerIdManager): void {
  new Gauge({
    name: "kafka_log_log_produceridcount",
    help: "Idempotent producer ids whose state a partition keeps",
    labelNames: ["topic", "partition"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const p of partitions()) {
        const { producerIds } = p.log.producerStateStats();
        if (producerIds > 0) this.set({ topic: p.topic, partition: String(p.index) }, producerIds);
      }
    },
  });
  new Counter({
    name: "samsa_producer_duplicate_batches_total",
    help: "Batches that repeated an already written batch of an idempotent producer and were answered with its original offsets, by topic (since the partition was opened)",
    labelNames: ["topic"] as const,
    registers: [registry],
    collect() {
      this.reset();
      const byTopic = new Map<string, number>();
      for (const p of partitions()) byTopic.set(p.topic, (byTopic.get(p.topic) ?? 0) + p.log.producerStateStats().duplicateBatches);
      for (const [topic, count] of byTopic) if (count > 0) this.inc({ topic }, count);
    },
  });
  new Counter({
    name: "samsa_producer_ids_issued_total",
    help: "InitProducerId answers: new producer ids and epoch bumps handed out",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(producerIds.issuedCount);
    },
  });
}
