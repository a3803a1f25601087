import { ApiKey, ErrorCode, ZERO_UUID, type DeleteTopicsResponseDeletableTopicResult } from "@samsa/protocol";
import { TopicOperationError } from "../metadata/topic-manager.js";
import { defineHandler } from "./handler.js";

export const deleteTopicsHandler = defineHandler({
  apiKey: ApiKey.DeleteTopics,
  name: "DeleteTopics",
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, request, version) {
    const broker = ctx.broker;
    const wanted: Array<{ name: string | null; topicId: string }> =
      version >= 6 ? (request.topics ?? []).map((t) => ({ name: t.name ?? null, topicId: t.topicId })) : (request.topicNames ?? []).map((name) => ({ name, topicId: ZERO_UUID }));
    const responses: DeleteTopicsResponseDeletableTopicResult[] = [];
    for (const w of wanted) {
      let name = w.name;
      if (name === null) {
        const byId = w.topicId === ZERO_UUID ? undefined : broker.metadata.topicById(w.topicId);
        if (!byId) {
          responses.push({ name: null, topicId: w.topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: "This server does not host this topic ID." });
          continue;
        }
        name = byId.name;
      }
      try {
        const deleted = await broker.topics.deleteTopic(name);
        responses.push({ name, topicId: deleted.topicId, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (err) {
        if (!(err instanceof TopicOperationError)) throw err;
        responses.push({ name, topicId: w.topicId, errorCode: err.errorCode, errorMessage: err.message });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
