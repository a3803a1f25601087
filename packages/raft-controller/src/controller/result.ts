import type { MetadataRecord } from "../metadata/records.js";

/**
 * What a controller operation decides: the records to append and the answer to give
 * once they are committed. Computing it never changes the image; `replay` of the
 * committed records does, on the active controller and every follower alike.
 */
export interface ControllerResult<T> {
  readonly records: readonly MetadataRecord[];
  readonly response: T;
}
