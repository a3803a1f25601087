// The broker's /metrics carries every family the deploy docs and the Grafana
// dashboard rely on, under the Strimzi/JMX-exporter names where Kafka has one.
import { ApiKey } from "@samsa/protocol";
import { describe, expect, it } from "vitest";
import { startTestBroker, stopTestBroker } from "./helpers/broker-fixture.js";
import { buildBatch } from "./helpers/record-batch.js";
import { TestClient } from "./helpers/test-client.js";

const EXPECTED_FAMILIES: Record<string, readonly string[]> = {
  "broker topic metrics": [
    "kafka_server_brokertopicmetrics_messagesin_total",
    "kafka_server_brokertopicmetrics_bytesin_total",
    "kafka_server_brokertopicmetrics_bytesout_total",
  ],
  "replica manager": [
    "kafka_server_replicamanager_partitioncount",
    "kafka_server_replicamanager_leadercount",
    "kafka_server_replicamanager_underreplicatedpartitions",
    "kafka_server_replicamanager_underminisrpartitioncount",
    "kafka_server_replicamanager_isrshrinks_total",
    "kafka_server_replicamanager_isrexpands_total",
  ],
  controller: [
    "kafka_controller_kafkacontroller_activecontrollercount",
    "kafka_controller_kafkacontroller_offlinepartitionscount",
    "kafka_controller_kafkacontroller_fencedbrokercount",
  ],
  raft: [
    "kafka_server_raftmetrics_current_state",
    "kafka_server_raftmetrics_current_leader",
    "kafka_server_raftmetrics_current_epoch",
    "kafka_server_raftmetrics_high_watermark",
    "kafka_server_raftmetrics_commit_latency_avg",
    "kafka_server_raftmetrics_commit_latency_max",
  ],
  requests: ["kafka_network_requestmetrics_requests_total", "kafka_network_requestmetrics_totaltime_seconds", "kafka_network_requestmetrics_totaltimems"],
  network: ["kafka_server_socketservermetrics_connection_count", "kafka_server_socket_bytes_received_total", "kafka_network_requestchannel_requestqueuesize"],
  "consumer groups": ["kafka_consumergroup_lag"],
  process: ["process_cpu_seconds_total", "process_resident_memory_bytes", "nodejs_eventloop_lag_seconds", "nodejs_heap_size_used_bytes"],
};

describe("the broker's metrics set", () => {
  it("a live one-node broker exposes every expected family, and the quorum gauges describe it", async () => {
    const running = await startTestBroker(["metrics.port=0", "metrics.host=127.0.0.1"]);
    try {
      const client = await TestClient.connect(running.broker.port);
      await client.send(ApiKey.Metadata, 4, { topics: [{ name: "scraped" }], allowAutoTopicCreation: true });
      await client.send(ApiKey.Produce, 9, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 1000,
        topicData: [{ name: "scraped", partitionData: [{ index: 0, records: buildBatch([{ value: "a" }]) }] }],
      });
      client.close();
      const text = await (await fetch(`http://127.0.0.1:${running.broker.metricsPort}/metrics`)).text();
      const families = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
      const missing = Object.entries(EXPECTED_FAMILIES).flatMap(([group, names]) => names.filter((n) => !families.has(n)).map((n) => `${group}: ${n}`));
      expect(missing).toEqual([]);
      expect(text).toMatch(/kafka_server_brokertopicmetrics_bytesin_total\{topic="scraped"\} [1-9]/);
      expect(text).toMatch(/kafka_network_requestmetrics_totaltime_seconds_count\{request="Produce"\} 1/);
      // A one-voter quorum: this node is the active controller and the Raft leader.
      expect(text).toMatch(/^kafka_controller_kafkacontroller_activecontrollercount 1$/m);
      expect(text).toMatch(/^kafka_server_raftmetrics_current_state\{state="leader"\} 1$/m);
      expect(text).toMatch(new RegExp(`^kafka_server_raftmetrics_current_leader ${running.broker.nodeId}$`, "m"));
      expect(text).toMatch(/^kafka_controller_kafkacontroller_fencedbrokercount 0$/m);
      // The topic creation and the broker's registration were committed by this leader moments ago.
      expect(Number(/^kafka_server_raftmetrics_commit_latency_max (\S+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(0);
      expect(Number(/^kafka_server_raftmetrics_commit_latency_avg (\S+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(0);
      // Every request was answered before the scrape (the client is closed).
      expect(text).toMatch(/^kafka_network_requestchannel_requestqueuesize 0$/m);
      // Counted per listener, so a second listener does not overwrite the first one's count.
      expect(text).toMatch(/^kafka_server_socketservermetrics_connection_count\{listener="PLAINTEXT"\} \d+$/m);
    } finally {
      await stopTestBroker(running);
    }
  });
});
