import type { ReplicaManager } from "@samsa/replication";
import { Gauge, type Registry } from "prom-client";
import type { MetadataStore } from "../metadata/metadata-store.js";

/**
 * Replication metrics under the names the JMX exporter gives Kafka's
 * (ReplicaManager, controller, fetcher lag). Gauges are computed when
 * scraped, so nothing is maintained on the hot path.
 */
export function registerReplicationMetrics(registry: Registry, manager: ReplicaManager, metadata: MetadataStore): void {
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  };
  gauge("kafka_server_replicamanager_underreplicatedpartitions", "Partitions led here whose ISR is smaller than their replica set", () => manager.stats().underReplicatedPartitions);
  gauge("kafka_server_replicamanager_underminisrpartitioncount", "Partitions led here whose ISR is below min.insync.replicas", () => manager.stats().underMinIsrPartitions);
  gauge("kafka_server_replicamanager_atminisrpartitioncount", "Partitions led here whose ISR is exactly min.insync.replicas", () => manager.stats().atMinIsrPartitions);
  gauge("kafka_server_replicamanager_isrshrinks_total", "ISR shrinks committed by partitions led here", () => manager.stats().isrShrinks);
  gauge("kafka_server_replicamanager_isrexpands_total", "ISR expansions committed by partitions led here", () => manager.stats().isrExpands);
  gauge("kafka_server_replicamanager_failedisrupdates_total", "AlterPartition proposals refused or failed", () => manager.stats().failedIsrUpdates);
  gauge("kafka_server_delayedoperationpurgatory_purgatorysize", "acks=all produces waiting for the high watermark", () => manager.stats().delayedProduces);
  gauge("kafka_server_replicafetchermanager_fetchercount", "Replica fetchers (up to num.replica.fetchers per source broker)", () => manager.stats().fetcherCount);
  gauge("kafka_controller_kafkacontroller_offlinepartitionscount", "Partitions without a leader in the committed metadata", () => {
    let offline = 0;
    for (const t of metadata.topics()) for (const p of t.partitions) if (p.leader < 0) offline++;
    return offline;
  });
  new Gauge({
    name: "kafka_server_fetcherlagmetrics_consumerlag",
    help: "Offsets a follower is behind the leader's log end, per partition led here",
    labelNames: ["topic_partition", "replica"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, lags] of manager.stats().followerLags) for (const [replica, lag] of lags) this.set({ topic_partition: key, replica: String(replica) }, lag);
    },
  });
}
