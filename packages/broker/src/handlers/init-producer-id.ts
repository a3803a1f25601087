import { ApiKey, ErrorCode, type InitProducerIdResponse } from "@samsa/protocol";
import { errorName } from "./error-mapping.js";
import { defineHandler } from "./handler.js";

const NO_PRODUCER_ID = -1;
const NO_PRODUCER_EPOCH = -1;

/**
 * InitProducerId 0-4 for idempotent producers (transactional id null).
 *
 * A transactional id is answered COORDINATOR_NOT_AVAILABLE: this broker has no
 * transaction coordinator, and that is also what FindCoordinator answers for
 * transaction keys, so a transactional client sees one consistent answer
 * (and its transaction init times out) instead of an authorization failure.
 */
export const initProducerIdHandler = defineHandler({
  apiKey: ApiKey.InitProducerId,
  name: "InitProducerId",
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, request): Promise<InitProducerIdResponse> {
    const answer = (errorCode: number, producerId = NO_PRODUCER_ID, producerEpoch = NO_PRODUCER_EPOCH): InitProducerIdResponse => {
      if (errorCode !== ErrorCode.NONE) ctx.broker.metrics.requestErrors.inc({ request: "InitProducerId", error: errorName(errorCode) });
      return { throttleTimeMs: 0, errorCode, producerId, producerEpoch };
    };
    if (request.transactionalId !== null) return answer(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const producerId = request.producerId ?? NO_PRODUCER_ID;
    const producerEpoch = request.producerEpoch ?? NO_PRODUCER_EPOCH;
    // v3+: both set (an epoch bump) or neither (a new producer), as Kafka requires.
    if ((producerId === NO_PRODUCER_ID) !== (producerEpoch === NO_PRODUCER_EPOCH)) return answer(ErrorCode.INVALID_REQUEST);
    const current = producerId === NO_PRODUCER_ID ? undefined : { producerId, producerEpoch };
    const granted = await ctx.broker.producerIds.initProducerId(current);
    ctx.logger.debug({ requested: current ?? null, granted }, "producer id granted");
    return answer(ErrorCode.NONE, granted.producerId, granted.producerEpoch);
  },
});
