import { CONTROLLER_OPERATIONS, NotControllerError, type ControllerApi } from "@samsa/raft-controller";

/**
 * A ControllerApi whose target exists only later: the Kafka listeners (and so the
 * handlers holding this) start before the metadata node, because the node
 * registers the listeners' bound ports. Calls before then fail like an absent
 * controller.
 */
export function lateControllerApi(target: () => ControllerApi | null): ControllerApi {
  const api: Partial<Record<keyof ControllerApi, (request: unknown) => Promise<unknown>>> = {};
  for (const operation of CONTROLLER_OPERATIONS) {
    api[operation] = (request: unknown) => {
      const controller = target();
      if (!controller) return Promise.reject(new NotControllerError(null, "the metadata node is still starting"));
      return (controller[operation] as (r: unknown) => Promise<unknown>).call(controller, request);
    };
  }
  return api as ControllerApi;
}
