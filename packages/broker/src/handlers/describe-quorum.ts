import { ApiKey, ErrorCode, ZERO_UUID, type DescribeQuorumResponseReplicaState } from "@samsa/protocol";
import { METADATA_PARTITION, METADATA_TOPIC, parseQuorumVoters, type QuorumReplicaDescription } from "@samsa/raft-controller";
import { controllerFailure } from "../metadata/controller-errors.js";
import { defineHandler } from "./handler.js";

/**
 * DescribeQuorum (KIP-595, kafka-metadata-quorum.sh): forwarded to the active
 * controller, which is the Raft leader of `__cluster_metadata-0` and the only node
 * that knows every replica's progress.
 */
export const describeQuorumHandler = defineHandler({
  apiKey: ApiKey.DescribeQuorum,
  name: "DescribeQuorum",
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const failure = (errorCode: number, errorMessage: string) => ({ errorCode, errorMessage, topics: [], nodes: [] });
    const wanted = request.topics.flatMap((t) => t.partitions.map((p) => `${t.topicName}-${p.partitionIndex}`));
    if (wanted.length !== 1 || wanted[0] !== `${METADATA_TOPIC}-${METADATA_PARTITION}`) {
      return failure(ErrorCode.INVALID_REQUEST, `only ${METADATA_TOPIC}-${METADATA_PARTITION} can be described`);
    }
    const node = ctx.broker.quorum();
    if (!node) return failure(ErrorCode.REQUEST_TIMED_OUT, "the metadata node is still starting");
    let quorum;
    try {
      quorum = await node.controllerClient.describeQuorum({});
    } catch (err) {
      const e = controllerFailure(err);
      return failure(e.errorCode, e.message);
    }
    const state = (r: QuorumReplicaDescription): DescribeQuorumResponseReplicaState => ({
      replicaId: r.replicaId,
      replicaDirectoryId: ZERO_UUID,
      logEndOffset: r.logEndOffset,
      lastFetchTimestamp: r.lastFetchTimestamp,
      lastCaughtUpTimestamp: r.lastCaughtUpTimestamp,
    });
    const configured = ctx.broker.config.controllerQuorumVoters;
    const voters = configured.length > 0 ? [...parseQuorumVoters(configured.join(",")).values()] : [];
    const listenerName = ctx.broker.config.controllerListeners[0]?.name ?? "CONTROLLER";
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topics: [
        {
          topicName: METADATA_TOPIC,
          partitions: [
            {
              partitionIndex: METADATA_PARTITION,
              errorCode: ErrorCode.NONE,
              errorMessage: null,
              leaderId: quorum.leaderId,
              leaderEpoch: quorum.leaderEpoch,
              highWatermark: quorum.highWatermark,
              currentVoters: quorum.voters.map(state),
              observers: quorum.observers.map(state),
            },
          ],
        },
      ],
      nodes: voters.map((v) => ({ nodeId: v.id, listeners: [{ name: listenerName, host: v.host, port: v.port }] })),
    };
  },
});
