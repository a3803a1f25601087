import type { MetadataNode } from "@samsa/raft-controller";
import { Gauge, type Registry } from "prom-client";

const RAFT_ROLES = ["unattached", "prospective", "candidate", "leader", "follower", "resigned"] as const;

/**
 * Controller and metadata-quorum (KRaft) metrics under the names the JMX exporter
 * gives Kafka's KafkaController and raft-metrics beans. Read from the node when
 * scraped; before the node exists they report nothing (-1 / 0).
 */
export function registerQuorumMetrics(registry: Registry, node: () => MetadataNode | null): void {
  const gauge = (name: string, help: string, read: (n: MetadataNode) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const n = node();
        this.set(n ? read(n) : -1);
      },
    });
  };
  gauge("kafka_controller_kafkacontroller_activecontrollercount", "1 on the active controller (the metadata quorum's leader), else 0", (n) =>
    n.controller !== null && n.raftStatus().role === "leader" ? 1 : 0,
  );
  gauge("kafka_controller_kafkacontroller_fencedbrokercount", "Registered brokers that are fenced", (n) => [...n.image.brokers.values()].filter((b) => b.fenced).length);
  gauge("kafka_controller_kafkacontroller_activebrokercount", "Registered brokers that are unfenced", (n) => n.image.unfencedBrokers().length);
  gauge("kafka_server_raftmetrics_current_leader", "Node id of the metadata quorum's leader, -1 when unknown", (n) => n.raftStatus().leaderId ?? -1);
  gauge("kafka_server_raftmetrics_current_epoch", "Current epoch of the metadata quorum", (n) => n.raftStatus().epoch);
  gauge("kafka_server_raftmetrics_high_watermark", "High watermark of the metadata log", (n) => n.raftStatus().highWatermark);
  gauge("kafka_server_raftmetrics_log_end_offset", "End offset of this node's metadata log", (n) => n.raftStatus().logEndOffset);
  gauge("kafka_server_raftmetrics_applied_offset", "Offset up to which this node applied the metadata log", (n) => n.raftStatus().appliedOffset);
  // Leader-side, over Kafka's 30 s window; NaN when nothing was committed in it (as Kafka reports).
  const commitLatency = (n: MetadataNode) => n.raftNode.commitLatency.summary(performance.now());
  gauge("kafka_server_raftmetrics_commit_latency_avg", "Average ms from appending a proposal on the quorum leader to the high watermark covering it (30 s window)", (n) => commitLatency(n).avgMs);
  gauge("kafka_server_raftmetrics_commit_latency_max", "Maximum ms from appending a proposal on the quorum leader to the high watermark covering it (30 s window)", (n) => commitLatency(n).maxMs);
  new Gauge({
    name: "kafka_server_raftmetrics_current_state",
    help: "1 for this node's current role in the metadata quorum",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const role = node()?.raftStatus().role;
      for (const state of RAFT_ROLES) this.set({ state }, state === role ? 1 : 0);
    },
  });
}
