// kcat (librdkafka) against a real broker process. kcat has no admin API, so
// the topic is created and deleted with @samsa/client's Admin; everything else
// (produce with -K/-H/-z, consume with -f, ListOffsets with -Q) is kcat itself.
import { Admin, KafkaClient } from "@samsa/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrokerProcess } from "@samsa/testkit";
import {
  comparePartitions,
  expectedOffsetForTimestamp,
  KCAT,
  requireExecutable,
  runKcat,
  startCompatBroker,
  topicDirectories,
  topicName,
  waitForTopicDirectoriesGone,
  withBrokerLog,
} from "./compat-checks.js";
import { byPartition, defaultBaseTimestamp, generateRecords, PARTITION_COUNT, type ConsumedRecord, type TestRecord } from "./compat-records.js";

const CODECS = ["gzip", "snappy", "lz4", "zstd"] as const;
/** Message and key delimiters: byte sequences asserted absent from every key and value. */
const MESSAGE_DELIMITER = Buffer.from([0x1e, 0x1d, 0x1e, 0x1d, 0x1e]);
const KEY_DELIMITER = Buffer.from([0x1f, 0x1c, 0x1f, 0x1c, 0x1f]);
const toKcatEscape = (delimiter: Buffer) => [...delimiter].map((b) => `\\x${b.toString(16).padStart(2, "0")}`).join("");
/** Slack for comparing librdkafka's create time with the test's clock around a kcat run. */
const CLOCK_SLACK_MS = 50;


/**
 * kcat cannot send a null value together with empty values in one run (-Z
 * turns every empty value into null), nor a record with a null key and an
 * empty value (that input line is empty and kcat skips it); headers are fixed
 * per run (-H) and the timestamp is librdkafka's clock.
 */
function kcatRecords(): TestRecord[] {
  const records = generateRecords({ baseTimestamp: defaultBaseTimestamp(), noNullValues: true });
  for (const record of records) {
    if (record.key === null && record.value !== null && record.value.length === 0) record.value = Buffer.from("not-empty");
    for (const bytes of [record.key, record.value]) {
      if (bytes && (bytes.includes(MESSAGE_DELIMITER) || bytes.includes(KEY_DELIMITER))) {
        throw new Error(`record #${record.index} contains a kcat delimiter; change the delimiters`);
      }
    }
  }
  return records;
}

function headersFor(phase: number, codec: string): Array<[string, Buffer]> {
  if (phase === 1 && codec === "lz4") return [];
  const headers: Array<[string, Buffer]> = [
    ["codec", Buffer.from(codec)],
    ["phase", Buffer.from(String(phase))],
    ["ünï-ключ", Buffer.from("✓ значение", "utf8")],
  ];
  if (codec === "gzip") headers.push(["dup", Buffer.from("first")], ["dup", Buffer.from("second")]);
  return headers;
}

/** Parses `-f '%p %o %T %K %S\n%k%s\n%h\n'` output, which is unambiguous given the lengths. */
function parseConsumed(output: Buffer): ConsumedRecord[] {
  const records: ConsumedRecord[] = [];
  let at = 0;
  const readLine = (): string => {
    const end = output.indexOf(0x0a, at);
    if (end === -1) throw new Error(`kcat output truncated at byte ${at}`);
    const line = output.subarray(at, end).toString("utf8");
    at = end + 1;
    return line;
  };
  while (at < output.length) {
    const fields = readLine().split(" ").map(Number);
    if (fields.length !== 5 || fields.some((n) => !Number.isSafeInteger(n))) throw new Error(`unexpected kcat record line at byte ${at}`);
    const [partition, offset, timestamp, keyLength, valueLength] = fields as [number, number, number, number, number];
    const key = keyLength < 0 ? null : Buffer.from(output.subarray(at, at + keyLength));
    at += Math.max(0, keyLength);
    const value = valueLength < 0 ? null : Buffer.from(output.subarray(at, at + valueLength));
    at += Math.max(0, valueLength);
    if (output[at] !== 0x0a) throw new Error(`kcat output: expected a newline after record at offset ${offset}`);
    at++;
    const headerText = readLine();
    const headers: Array<[string, Buffer]> =
      headerText === ""
        ? []
        : headerText.split(",").map((pair) => {
            const eq = pair.indexOf("=");
            return [pair.slice(0, eq), Buffer.from(pair.slice(eq + 1), "utf8")];
          });
    records.push({ partition, offset, key, value, headers, timestamp });
  }
  return records;
}

describe.sequential("kcat (librdkafka)", () => {
  let broker: BrokerProcess;
  let client: KafkaClient;
  const topic = topicName("kcat");
  const records = kcatRecords();
  /** Wall-clock window of the kcat run that produced each record. */
  const produceWindow = new Map<number, { from: number; to: number }>();
  let consumed: ConsumedRecord[] = [];

  beforeAll(async () => {
    requireExecutable(KCAT, "kcat");
    broker = await startCompatBroker();
    client = new KafkaClient({ bootstrapServers: broker.bootstrap, clientId: "samsa-compat-kcat-admin" });
  });

  afterAll(async () => {
    await client?.close();
    await broker?.dispose();
  });

  it("creates a topic with 3 partitions (through @samsa/client) that kcat lists", async () => {
    await withBrokerLog(broker, "create topic", async () => {
      await new Admin(client).createTopics([{ name: topic, numPartitions: PARTITION_COUNT, replicationFactor: 1 }]);
      const { stdout } = await runKcat(["-L", "-b", broker.bootstrap, "-t", topic, "-J", "-m", "10"]);
      const listed = JSON.parse(stdout.toString("utf8")) as { topics: Array<{ topic: string; partitions: Array<{ partition: number }> }> };
      expect(listed.topics.map((t) => [t.topic, t.partitions.map((p) => p.partition).sort()])).toEqual([[topic, [0, 1, 2]]]);
    });
  });

  it("produces 10,000 records with gzip, snappy, lz4 and zstd, across a broker restart", async () => {
    const phases = [records.slice(0, records.length / 2), records.slice(records.length / 2)];
    for (const [phaseIndex, phaseRecords] of phases.entries()) {
      if (phaseIndex === 1) await broker.restart();
      const chunkSize = Math.ceil(phaseRecords.length / CODECS.length);
      for (const [codecIndex, codec] of CODECS.entries()) {
        const codecRecords = phaseRecords.slice(codecIndex * chunkSize, (codecIndex + 1) * chunkSize);
        const headers = headersFor(phaseIndex, codec);
        for (const partitionRecords of byPartition(codecRecords)) {
          if (partitionRecords.length === 0) continue;
          const input = Buffer.concat(
            partitionRecords.flatMap((record) => [
              ...(record.key === null ? [] : [record.key, KEY_DELIMITER]),
              record.value ?? Buffer.alloc(0),
              MESSAGE_DELIMITER,
            ]),
          );
          const args = ["-P", "-b", broker.bootstrap, "-t", topic, "-p", String(partitionRecords[0]!.partition), "-z", codec];
          args.push("-K", toKcatEscape(KEY_DELIMITER), "-D", toKcatEscape(MESSAGE_DELIMITER), "-X", "acks=all", "-X", "message.timeout.ms=15000", "-m", "10");
          for (const [name, value] of headers) args.push("-H", `${name}=${value.toString("utf8")}`);
          const from = Date.now();
          await withBrokerLog(broker, `kcat produce (${codec}, partition ${partitionRecords[0]!.partition}, phase ${phaseIndex})`, () => runKcat(args, input));
          const to = Date.now();
          for (const record of partitionRecords) {
            record.headers = headers;
            produceWindow.set(record.index, { from, to });
          }
        }
      }
    }
    expect(produceWindow.size).toBe(records.length);
  });

  it("consumes every partition from offset 0 with exact keys, values, headers and order", async () => {
    for (let partition = 0; partition < PARTITION_COUNT; partition++) {
      const { stdout } = await withBrokerLog(broker, `kcat consume partition ${partition}`, () =>
        runKcat(["-C", "-b", broker.bootstrap, "-t", topic, "-p", String(partition), "-o", "beginning", "-e", "-q", "-m", "10", "-f", "%p %o %T %K %S\\n%k%s\\n%h\\n"]),
      );
      consumed.push(...parseConsumed(stdout));
    }
    const timestampMatches = (record: TestRecord, actual: number) => {
      const window = produceWindow.get(record.index)!;
      return actual >= window.from - CLOCK_SLACK_MS && actual <= window.to + CLOCK_SLACK_MS;
    };
    expect(comparePartitions(records, consumed, { timestampMatches })).toEqual([]);
    for (const partitionRecords of byPartition(consumed)) {
      const timestamps = partitionRecords.map((r) => r.timestamp);
      expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));
    }
  });

  it("answers ListOffsets earliest (-2), latest (-1) and by timestamp through kcat -Q", async () => {
    const perPartition = byPartition(consumed);
    const query = async (timestampFor: (partition: number) => number) => {
      const args = ["-Q", "-b", broker.bootstrap, "-m", "10"];
      for (let p = 0; p < PARTITION_COUNT; p++) args.push("-t", `${topic}:${p}:${timestampFor(p)}`);
      const { stdout } = await withBrokerLog(broker, `kcat -Q ${args.join(" ")}`, () => runKcat(args));
      const offsets = new Map<number, number>();
      for (const match of stdout.toString("utf8").matchAll(/\[(\d+)\]\s+offset\s+(-?\d+)/g)) offsets.set(Number(match[1]), Number(match[2]));
      return [0, 1, 2].map((p) => offsets.get(p));
    };
    expect(await query(() => -2)).toEqual([0, 0, 0]);
    expect(await query(() => -1)).toEqual(perPartition.map((r) => r.length));
    const answered: Array<{ timestamps: number[]; offsets: Array<number | undefined> }> = [];
    const expected: typeof answered = [];
    for (const position of [0, 700, 1_500, 3_000]) {
      const timestamps = perPartition.map((r) => r[Math.min(position, r.length - 1)]!.timestamp);
      answered.push({ timestamps, offsets: await query((p) => timestamps[p]!) });
      expected.push({ timestamps, offsets: perPartition.map((r, p) => expectedOffsetForTimestamp(r, timestamps[p]!)) });
    }
    expect(answered).toEqual(expected);
    const afterAll = Math.max(...consumed.map((r) => r.timestamp)) + 1;
    expect(await query(() => afterAll)).toEqual([-1, -1, -1]);
  });

  it("deletes the topic (through @samsa/client) and its partition directories", async () => {
    expect(topicDirectories(broker.dataDir, topic).sort()).toEqual([0, 1, 2].map((p) => `${topic}-${p}`));
    await withBrokerLog(broker, "delete topic", async () => {
      await new Admin(client).deleteTopics([topic]);
      await waitForTopicDirectoriesGone(broker.dataDir, topic);
    });
  });
});
