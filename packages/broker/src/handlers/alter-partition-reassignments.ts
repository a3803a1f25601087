import { ApiKey, ErrorCode, type AlterPartitionReassignmentsResponse } from "@samsa/protocol";
import { controllerFailure } from "../metadata/controller-errors.js";
import { defineHandler } from "./handler.js";

/**
 * AlterPartitionReassignments (KIP-455): forwarded to the active controller, which
 * records the target replicas and finishes the move once they are in sync. The
 * answer comes when the reassignment is recorded, not when it is complete.
 */
export const alterPartitionReassignmentsHandler = defineHandler({
  apiKey: ApiKey.AlterPartitionReassignments,
  name: "AlterPartitionReassignments",
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, request): Promise<AlterPartitionReassignmentsResponse> {
    const failure = (errorCode: number, errorMessage: string): AlterPartitionReassignmentsResponse => ({ throttleTimeMs: 0, errorCode, errorMessage, responses: [] });
    const node = ctx.broker.quorum();
    if (!node) return failure(ErrorCode.REQUEST_TIMED_OUT, "the metadata node is still starting");
    try {
      const topics = await node.controllerClient.alterPartitionReassignments({
        topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionId: p.partitionIndex, replicas: p.replicas ?? null })) })),
      });
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        responses: topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionId, errorCode: p.errorCode, errorMessage: p.errorMessage })),
        })),
      };
    } catch (err) {
      const e = controllerFailure(err);
      return failure(e.errorCode, e.message);
    }
  },
});
