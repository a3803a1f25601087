import type { NodeId } from "../types.js";

/**
 * The ISR as the leader sees it (Kafka's PartitionState after KIP-497): the
 * committed ISR, plus at most one change proposed to the controller and not
 * yet answered. The high watermark is computed over the *maximal* ISR (the
 * committed one plus a replica being added), so a write is never counted as
 * committed by a set the controller might end up with that lacks a member.
 */
export type IsrState =
  | { readonly kind: "committed"; readonly isr: readonly NodeId[] }
  | { readonly kind: "pending-expand"; readonly isr: readonly NodeId[]; readonly adding: NodeId; readonly proposedIsr: readonly NodeId[] }
  | { readonly kind: "pending-shrink"; readonly isr: readonly NodeId[]; readonly removing: readonly NodeId[]; readonly proposedIsr: readonly NodeId[] };

export function maximalIsr(state: IsrState): readonly NodeId[] {
  return state.kind === "pending-expand" ? state.proposedIsr : state.isr;
}

/** An ISR change ready to be sent with AlterPartition. */
export interface IsrProposal {
  readonly kind: "expand" | "shrink";
  readonly newIsr: readonly NodeId[];
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
}
