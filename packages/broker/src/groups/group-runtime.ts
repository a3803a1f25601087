import type { Logger } from "pino";
import type { ClassicGroup } from "./classic-group.js";
import type { GroupCoordinatorConfig } from "./group-config.js";
import type { Scheduler } from "./scheduler.js";

/** What the membership and offset logic need from the coordinator that owns the groups. */
export interface GroupRuntime {
  readonly config: GroupCoordinatorConfig;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  group(groupId: string): ClassicGroup | undefined;
  getOrCreateGroup(groupId: string): ClassicGroup;
  /** Forgets a group that became Dead. */
  dropGroup(group: ClassicGroup): void;
  /** Writes the group's metadata record (generation, members, assignments); resolves when durable. */
  storeGroup(group: ClassicGroup): Promise<void>;
}

/** A request failed as a whole with a Kafka error code. */
export class GroupCoordinatorError extends Error {
  readonly code = "GROUP_COORDINATOR";
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = "GroupCoordinatorError";
  }
}
