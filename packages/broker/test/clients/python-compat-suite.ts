import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrokerProcess } from "@samsa/testkit";
import {
  comparePartitions,
  expectedOffsetForTimestamp,
  requirePythonModules,
  startCompatBroker,
  topicDirectories,
  topicName,
  waitForTopicDirectoriesGone,
  withBrokerLog,
} from "./compat-checks.js";
import {
  byPartition,
  defaultBaseTimestamp,
  fromJsonConsumed,
  generateRecords,
  PARTITION_COUNT,
  toJsonRecord,
  type JsonConsumedRecord,
} from "./compat-records.js";
import { PythonDriver } from "./python-driver.js";

export interface PythonCompatSuite {
  /** Suite title, e.g. "confluent-kafka-python 1.7 (Debian)". */
  title: string;
  /** Short name used in topic names. */
  client: string;
  /** Driver script in ./python/. */
  script: string;
  /** Compression codecs to produce with (each gets a contiguous share of every produce step). */
  codecs: string[];
  /** Python modules the driver needs, with the Debian package that provides each. */
  modules: Record<string, string>;
}

const PRODUCE_TIMEOUT_MS = 25_000;
const CONSUME_TIMEOUT_MS = 25_000;
const ADMIN_TIMEOUT_MS = 25_000;

/**
 * The compatibility scenario for a Python client, driven through its driver
 * script: create, produce half, restart the broker, produce the rest with the
 * same producers, read back, ListOffsets, delete.
 */
export function definePythonCompatSuite(suite: PythonCompatSuite): void {
  describe.sequential(suite.title, () => {
    let broker: BrokerProcess;
    let driver: PythonDriver;
    let workDir: string;
    const topic = topicName(suite.client);
    const records = generateRecords({ baseTimestamp: defaultBaseTimestamp() });
    const recordsFile = () => join(workDir, "records.json");

    beforeAll(async () => {
      requirePythonModules(suite.modules);
      workDir = mkdtempSync(join(tmpdir(), `samsa-${suite.client}-`));
      writeFileSync(recordsFile(), JSON.stringify(records.map(toJsonRecord)));
      broker = await startCompatBroker();
      driver = new PythonDriver(suite.script, [broker.bootstrap]);
    });

    afterAll(async () => {
      await driver?.close();
      await broker?.dispose();
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    });

    it("creates a topic with 3 partitions through the client's admin API", async () => {
      await withBrokerLog(broker, `${suite.client} create topic`, () =>
        driver.call("create_topic", { topic, partitions: PARTITION_COUNT }, ADMIN_TIMEOUT_MS),
      );
      expect(topicDirectories(broker.dataDir, topic).sort()).toEqual([0, 1, 2].map((p) => `${topic}-${p}`));
    });

    it(`produces 10,000 records (${suite.codecs.join(", ")}) across a broker restart`, async () => {
      const half = records.length / 2;
      const acked: Array<{ index: number; partition: number; offset: number }> = [];
      const produce = (start: number, end: number) =>
        driver.call<typeof acked>(
          "produce",
          { topic, file: recordsFile(), start, end, codecs: suite.codecs, timeout_s: PRODUCE_TIMEOUT_MS / 1000 - 2 },
          PRODUCE_TIMEOUT_MS,
        );
      await withBrokerLog(broker, `${suite.client} produce (first half)`, async () => acked.push(...(await produce(0, half))));
      await broker.restart();
      await withBrokerLog(broker, `${suite.client} produce after restart`, async () => acked.push(...(await produce(half, records.length))));

      expect(acked).toHaveLength(records.length);
      const ackedByIndex = new Map(acked.map((a) => [a.index, a]));
      const mismatches: string[] = [];
      for (const partitionRecords of byPartition(records)) {
        partitionRecords.forEach((record, position) => {
          const ack = ackedByIndex.get(record.index);
          if (ack?.partition !== record.partition || ack.offset !== position) {
            mismatches.push(`record #${record.index}: acknowledged ${JSON.stringify(ack)}, expected partition ${record.partition} offset ${position}`);
          }
        });
      }
      expect(mismatches.slice(0, 10)).toEqual([]);
    });

    it("consumes every partition from offset 0 with exact keys, values, headers, timestamps and order", async () => {
      const out = join(workDir, "consumed.json");
      const expectedCounts = Object.fromEntries(byPartition(records).map((r, p) => [String(p), r.length]));
      await withBrokerLog(broker, `${suite.client} consume`, () =>
        driver.call(
          "consume",
          { topic, partitions: [0, 1, 2], expected_counts: expectedCounts, out, timeout_s: CONSUME_TIMEOUT_MS / 1000 - 2 },
          CONSUME_TIMEOUT_MS,
        ),
      );
      const consumed = (JSON.parse(readFileSync(out, "utf8")) as JsonConsumedRecord[]).map(fromJsonConsumed);
      expect(comparePartitions(records, consumed)).toEqual([]);
    });

    it("answers ListOffsets earliest, latest and by timestamp", async () => {
      const perPartition = byPartition(records);
      const timestamps = [records[0]!.timestamp - 60_000, records[4_000]!.timestamp, records[7_777]!.timestamp + 1, records.at(-1)!.timestamp + 1];
      const answer = await withBrokerLog(broker, `${suite.client} ListOffsets`, () =>
        driver.call<{
          watermarks: Record<string, { earliest: number; latest: number }>;
          byTimestamp: Array<{ timestamp: number; offsets: Record<string, number> }>;
        }>("list_offsets", { topic, partitions: [0, 1, 2], timestamps }, ADMIN_TIMEOUT_MS),
      );
      expect(answer.watermarks).toEqual(
        Object.fromEntries(perPartition.map((r, p) => [String(p), { earliest: 0, latest: r.length }])),
      );
      expect(answer.byTimestamp).toEqual(
        timestamps.map((timestamp) => ({
          timestamp,
          offsets: Object.fromEntries(perPartition.map((r, p) => [String(p), expectedOffsetForTimestamp(r, timestamp)])),
        })),
      );
    });

    it("deletes the topic and its partition directories", async () => {
      await withBrokerLog(broker, `${suite.client} delete topic`, async () => {
        await driver.call("delete_topic", { topic }, ADMIN_TIMEOUT_MS);
        await waitForTopicDirectoriesGone(broker.dataDir, topic);
      });
    });
  });
}
