import { ApiKey, ErrorCode, type ListPartitionReassignmentsResponse, type ListPartitionReassignmentsResponseOngoingTopicReassignment } from "@samsa/protocol";
import { controllerFailure } from "../metadata/controller-errors.js";
import { defineHandler } from "./handler.js";

/** ListPartitionReassignments (KIP-455): the active controller's view, which includes every change it accepted. */
export const listPartitionReassignmentsHandler = defineHandler({
  apiKey: ApiKey.ListPartitionReassignments,
  name: "ListPartitionReassignments",
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, request): Promise<ListPartitionReassignmentsResponse> {
    const failure = (errorCode: number, errorMessage: string): ListPartitionReassignmentsResponse => ({ throttleTimeMs: 0, errorCode, errorMessage, topics: [] });
    const node = ctx.broker.quorum();
    if (!node) return failure(ErrorCode.REQUEST_TIMED_OUT, "the metadata node is still starting");
    let ongoing;
    try {
      const topics = request.topics ?? null;
      ongoing = await node.controllerClient.listPartitionReassignments({
        topics: topics === null ? null : topics.map((t) => ({ name: t.name, partitionIds: t.partitionIndexes })),
      });
    } catch (err) {
      const e = controllerFailure(err);
      return failure(e.errorCode, e.message);
    }
    const byTopic = new Map<string, ListPartitionReassignmentsResponseOngoingTopicReassignment>();
    for (const r of ongoing) {
      let topic = byTopic.get(r.name);
      if (!topic) byTopic.set(r.name, (topic = { name: r.name, partitions: [] }));
      topic.partitions.push({ partitionIndex: r.partitionId, replicas: [...r.replicas], addingReplicas: [...r.addingReplicas], removingReplicas: [...r.removingReplicas] });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [...byTopic.values()] };
  },
});
