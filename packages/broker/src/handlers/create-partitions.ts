import { ApiKey, ErrorCode, type CreatePartitionsResponseCreatePartitionsTopicResult } from "@samsa/protocol";
import { TopicOperationError } from "../metadata/topic-manager.js";
import { defineHandler } from "./handler.js";

export const createPartitionsHandler = defineHandler({
  apiKey: ApiKey.CreatePartitions,
  name: "CreatePartitions",
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, request) {
    const results: CreatePartitionsResponseCreatePartitionsTopicResult[] = [];
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    for (const t of request.topics) {
      if (counts.get(t.name)! > 1) {
        results.push({ name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "Duplicate topic in request." });
        continue;
      }
      try {
        const assignments = t.assignments === null ? null : t.assignments.map((a) => a.brokerIds);
        await ctx.broker.topics.createPartitions(t.name, t.count, assignments, request.validateOnly);
        results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (err) {
        if (!(err instanceof TopicOperationError)) throw err;
        results.push({ name: t.name, errorCode: err.errorCode, errorMessage: err.message });
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
