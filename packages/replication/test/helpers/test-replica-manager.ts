import { ReplicaManager, type ReplicaManagerOptions } from "@samsa/replication";
import { ManualClock } from "./fake-log.js";
import { ManualScheduler } from "./manual-scheduler.js";

/**
 * A ReplicaManager for unit tests: broker 1, a controller that never answers,
 * no transports, every broker eligible, min.insync.replicas 2, manual clock
 * and scheduler, silent logger; `overrides` replace any of these.
 */
export function testReplicaManager(overrides: Partial<ReplicaManagerOptions> = {}): ReplicaManager {
  return new ReplicaManager({
    localBrokerId: 1,
    brokerEpoch: () => 1,
    controller: { alterPartition: () => new Promise(() => {}) },
    transportFactory: () => undefined,
    isBrokerEligible: () => true,
    minInsyncReplicas: () => 2,
    clock: new ManualClock(),
    logger: { info() {}, warn() {}, error() {} },
    scheduler: new ManualScheduler(),
    ...overrides,
  });
}
