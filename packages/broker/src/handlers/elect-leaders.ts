import { ApiKey, ErrorCode, type ElectLeadersResponse, type ElectLeadersResponsePartitionResult } from "@samsa/protocol";
import type { ElectionType } from "@samsa/raft-controller";
import { controllerFailure } from "../metadata/controller-errors.js";
import { defineHandler } from "./handler.js";

/** ElectLeaders' electionType field (v1+); v0 only knows preferred elections. */
const ELECTION_TYPES: Readonly<Record<number, ElectionType>> = { 0: "preferred", 1: "unclean" };

/**
 * ElectLeaders (KIP-183, KIP-460): preferred or unclean leader election, decided by
 * the active controller. A null partition list means every partition; then, as in
 * Kafka, partitions that already have the wanted leader are left out of the answer.
 */
export const electLeadersHandler = defineHandler({
  apiKey: ApiKey.ElectLeaders,
  name: "ElectLeaders",
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request): Promise<ElectLeadersResponse> {
    // v0 has no top-level error: like Kafka, a failed request also marks every partition it named.
    const failure = (errorCode: number): ElectLeadersResponse => ({
      throttleTimeMs: 0,
      errorCode,
      replicaElectionResults: (request.topicPartitions ?? []).map((t) => ({ topic: t.topic, partitionResult: t.partitions.map((partitionId) => ({ partitionId, errorCode, errorMessage: null })) })),
    });
    const type = ELECTION_TYPES[request.electionType ?? 0];
    if (type === undefined) return failure(ErrorCode.INVALID_REQUEST);
    const node = ctx.broker.quorum();
    if (!node) return failure(ErrorCode.REQUEST_TIMED_OUT);

    const results = new Map<string, ElectLeadersResponsePartitionResult[]>();
    const report = (topic: string, partitionId: number, errorCode: number, errorMessage: string | null) => {
      let list = results.get(topic);
      if (!list) results.set(topic, (list = []));
      list.push({ partitionId, errorCode, errorMessage });
    };
    let wanted: { topicId: string; partitionId: number }[] | "all" = "all";
    if (request.topicPartitions !== null) {
      wanted = [];
      for (const t of request.topicPartitions) {
        const topic = ctx.broker.metadata.topic(t.topic);
        for (const partitionId of t.partitions) {
          if (topic?.partitions[partitionId] === undefined) report(t.topic, partitionId, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown partition ${t.topic}-${partitionId}`);
          else wanted.push({ topicId: topic.topicId, partitionId });
        }
      }
    }
    if (wanted === "all" || wanted.length > 0) {
      try {
        for (const r of await node.controllerClient.electLeaders({ type, partitions: wanted })) {
          const name = node.image.topicsById.get(r.topicId)?.name ?? ctx.broker.metadata.topicById(r.topicId)?.name;
          if (name === undefined) continue; // deleted meanwhile
          report(name, r.partitionId, r.errorCode, r.errorCode === ErrorCode.NONE ? null : electionMessage(r.errorCode, r.leader));
        }
      } catch (err) {
        return failure(controllerFailure(err).errorCode);
      }
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      replicaElectionResults: [...results].map(([topic, partitionResult]) => ({ topic, partitionResult })),
    };
  },
});

function electionMessage(errorCode: number, leader: number): string {
  switch (errorCode) {
    case ErrorCode.ELECTION_NOT_NEEDED:
      return `leader ${leader} is already the one the election would choose`;
    case ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE:
      return "the preferred replica is not in the ISR or not alive";
    case ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE:
      return "no live replica can lead";
    default:
      return `election failed with error ${errorCode}`;
  }
}
