import { ErrorCode } from "@samsa/protocol";
import type { ControllerApi } from "@samsa/raft-controller";
import type { ProducerIdAllocator, ProducerIdBlock } from "../producer-ids/producer-id-allocator.js";
import { controllerFailure } from "./controller-errors.js";
import { TopicOperationError } from "./topic-operation-error.js";

/**
 * Producer-id blocks from the active controller (a ProducerIds record in the
 * metadata log), so brokers of one cluster never hand out the same id.
 */
export class ControllerProducerIdAllocator implements ProducerIdAllocator {
  constructor(
    private readonly controller: Pick<ControllerApi, "allocateProducerIds">,
    private readonly brokerId: number,
    /** The broker epoch of this incarnation (-1 before registration). */
    private readonly brokerEpoch: () => number,
  ) {}

  async nextBlock(): Promise<ProducerIdBlock> {
    let response;
    try {
      response = await this.controller.allocateProducerIds({ brokerId: this.brokerId, brokerEpoch: this.brokerEpoch() });
    } catch (err) {
      throw controllerFailure(err);
    }
    if (response.errorCode !== ErrorCode.NONE) throw new TopicOperationError(response.errorCode, `the controller refused a producer-id block (error ${response.errorCode})`);
    return { firstProducerId: response.firstProducerId, size: response.count };
  }
}
