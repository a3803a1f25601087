import { ApiKey, ErrorCode, ZERO_UUID, type CreateTopicsResponseCreatableTopicResult } from "@samsa/protocol";
import { resolveTopicConfigs } from "../config/topic-configs.js";
import { TopicOperationError, type CreateTopicSpec } from "../metadata/topic-manager.js";
import { defineHandler } from "./handler.js";

export const createTopicsHandler = defineHandler({
  apiKey: ApiKey.CreateTopics,
  name: "CreateTopics",
  minVersion: 0,
  maxVersion: 7,
  async handle(ctx, request) {
    const broker = ctx.broker;
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: CreateTopicsResponseCreatableTopicResult[] = [];
    // Sequential, so two topics of one request that collide get a clear answer.
    for (const t of request.topics) {
      const failure = (errorCode: number, errorMessage: string): CreateTopicsResponseCreatableTopicResult => ({
        name: t.name,
        topicId: ZERO_UUID,
        errorCode,
        errorMessage,
        numPartitions: -1,
        replicationFactor: -1,
        configs: null,
      });
      if (counts.get(t.name)! > 1) {
        results.push(failure(ErrorCode.INVALID_REQUEST, `Create topics request from client contains duplicate topic name ${t.name}.`));
        continue;
      }
      const configs: Record<string, string | null> = {};
      for (const c of t.configs) configs[c.name] = c.value;
      const spec: CreateTopicSpec = {
        name: t.name,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        assignments: t.assignments,
        configs,
      };
      try {
        let topicId = ZERO_UUID;
        let partitionCount: number;
        let replicationFactor: number;
        let overrides: Record<string, string>;
        if (request.validateOnly) {
          const v = broker.topics.validateCreate(spec);
          partitionCount = v.partitionCount;
          replicationFactor = v.replicationFactor;
          overrides = v.configs;
        } else {
          const created = await broker.topics.createTopic(spec);
          topicId = created.topicId;
          partitionCount = created.partitionCount;
          replicationFactor = created.partitions[0]?.replicas.length ?? (t.replicationFactor === -1 ? broker.config.defaultReplicationFactor : t.replicationFactor);
          overrides = { ...created.configs };
        }
        results.push({
          name: t.name,
          topicId,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          numPartitions: partitionCount,
          replicationFactor,
          configs: resolveTopicConfigs(broker.config, overrides).map((c) => ({
            name: c.name,
            value: c.value,
            readOnly: c.readOnly,
            configSource: c.source,
            isSensitive: c.sensitive,
          })),
        });
      } catch (err) {
        if (!(err instanceof TopicOperationError)) throw err;
        results.push(failure(err.errorCode, err.message));
      }
    }
    return { throttleTimeMs: 0, topics: results };
  },
});
