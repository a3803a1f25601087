import {
  ApiKey,
  BATCH_LOG_OVERHEAD_BYTES,
  BatchField,
  Compression,
  ErrorCode,
  type ProduceResponsePartitionProduceResponse,
  type ProduceResponseTopicProduceResponse,
} from "@samsa/protocol";
import { CloseConnectionError } from "../network/connection.js";
import type { AppendInfo } from "@samsa/storage";
import { errorName, kafkaErrorCodeOf } from "./error-mapping.js";
import { defineHandler } from "./handler.js";
import { notHostedError } from "./partition-leadership.js";

/** Versions 0-2 are advertised (old clients probe them) but answered with UNSUPPORTED_VERSION. */
const FIRST_SERVED_VERSION = 3;
const ATTRIBUTE_COMPRESSION_MASK = 0x07;

/**
 * The log checks framing and CRC but does not look inside batches; an
 * unknown codec would otherwise be stored and break every consumer. This
 * walks batch headers only (no per-record work).
 */
export function unknownCompressionCodec(records: Buffer): number | undefined {
  let at = 0;
  while (at + BatchField.attributes + 2 <= records.length) {
    const codec = records.readInt16BE(at + BatchField.attributes) & ATTRIBUTE_COMPRESSION_MASK;
    if (codec > Compression.zstd) return codec;
    const length = records.readInt32BE(at + BatchField.batchLength);
    if (length <= 0) return undefined; // framing errors are the log's to report
    at += BATCH_LOG_OVERHEAD_BYTES + length;
  }
  return undefined;
}

export const produceHandler = defineHandler({
  apiKey: ApiKey.Produce,
  name: "Produce",
  minVersion: 0,
  maxVersion: 11,
  async handle(ctx, request, version) {
    const { partitions, metrics } = ctx.broker;
    const acks = request.acks;
    const fixedError =
      version < FIRST_SERVED_VERSION ? ErrorCode.UNSUPPORTED_VERSION : acks !== 0 && acks !== 1 && acks !== -1 ? ErrorCode.INVALID_REQUIRED_ACKS : ErrorCode.NONE;

    // Appends start synchronously here, in request order, so offsets follow
    // the order requests arrived in; durability waits happen concurrently.
    const pending: Array<Promise<ProduceResponsePartitionProduceResponse>> = [];
    const shape: Array<{ name: string; count: number }> = [];
    for (const topic of request.topicData) {
      shape.push({ name: topic.name, count: topic.partitionData.length });
      for (const pd of topic.partitionData) {
        const failed = (errorCode: number, errorMessage: string | null): ProduceResponsePartitionProduceResponse => {
          metrics.failedProduceRequests.inc({ topic: topic.name });
          metrics.requestErrors.inc({ request: "Produce", error: errorName(errorCode) });
          return { index: pd.index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage };
        };
        if (fixedError !== ErrorCode.NONE) {
          pending.push(Promise.resolve(failed(fixedError, null)));
          continue;
        }
        const partition = partitions.get(topic.name, pd.index);
        if (!partition) {
          // A topic the metadata has but this broker holds no replica of: the client's metadata is stale.
          const errorCode = notHostedError(ctx.broker, topic.name, pd.index);
          pending.push(Promise.resolve(failed(errorCode, errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER ? `broker ${ctx.broker.nodeId} holds no replica of this partition` : "This server does not host this topic-partition.")));
          continue;
        }
        const records = pd.records === null ? Buffer.alloc(0) : Array.isArray(pd.records) ? Buffer.concat(pd.records) : pd.records;
        const badCodec = unknownCompressionCodec(records);
        if (badCodec !== undefined) {
          pending.push(Promise.resolve(failed(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `unknown compression codec ${badCodec}`)));
          continue;
        }
        let appended: Promise<AppendInfo>;
        const replication = ctx.broker.replication?.manager;
        try {
          // NOT_LEADER_OR_FOLLOWER, and NOT_ENOUGH_REPLICAS for acks=all below min.insync.replicas, before appending.
          replication?.checkProduce(topic.name, pd.index, acks);
          appended = partitions.append(partition, records);
          if (replication && acks === -1) {
            // acks=all answers once the high watermark covers the append (or with the replication error).
            appended = appended.then((info) => replication.waitForReplication(topic.name, pd.index, info.lastOffset, request.timeoutMs).then(() => info));
          }
        } catch (err) {
          appended = Promise.reject(err);
        }
        pending.push(
          appended.then(
            (o): ProduceResponsePartitionProduceResponse => ({
              index: pd.index,
              errorCode: ErrorCode.NONE,
              baseOffset: o.firstOffset,
              logAppendTimeMs: o.logAppendTimeMs,
              logStartOffset: partition.log.logStartOffset,
              recordErrors: [],
              errorMessage: null,
            }),
            (err: unknown) => {
              const { errorCode, message } = kafkaErrorCodeOf(err, ctx.logger, `append to ${partition.key}`);
              ctx.logger.debug({ partition: partition.key, errorCode, message }, "produce rejected");
              return failed(errorCode, message);
            },
          ),
        );
      }
    }
    const results = await Promise.all(pending);
    if (acks === 0) {
      // No response to carry the error: closing the connection is how Kafka
      // tells an acks=0 producer to refresh metadata and retry.
      const bad = results.find((r) => r.errorCode !== ErrorCode.NONE);
      if (bad) throw new CloseConnectionError(`acks=0 produce failed with ${errorName(bad.errorCode)}: ${bad.errorMessage ?? ""}`);
      return null;
    }
    let at = 0;
    const responses: ProduceResponseTopicProduceResponse[] = shape.map(({ name, count }) => ({
      name,
      partitionResponses: results.slice(at, (at += count)),
    }));
    return { responses, throttleTimeMs: 0 };
  },
});
