import type { FetchRequest, FetchResponse } from "@samsa/protocol";
import type { NodeId } from "../types.js";

/**
 * Fetch v12: the first version with the follower fields replication needs
 * (lastFetchedEpoch in, divergingEpoch and currentLeader out) that still names
 * topics; every Kafka broker since 2.7 and Samsa serve it.
 */
export const REPLICA_FETCH_VERSION = 12;

/** One connection to a source broker, used by that broker's replica fetcher (one request at a time). */
export interface FetchTransport {
  /**
   * The response's record buffers may be views of the transport's receive
   * buffer (TcpFetchTransport reuses it): they stay valid until the next
   * `fetch` call, so apply them (append them to the log) before fetching again.
   */
  fetch(request: FetchRequest, timeoutMs: number): Promise<FetchResponse>;
  close(): void;
}

/** Opens a transport to `brokerId`, or undefined while its address is unknown. */
export type FetchTransportFactory = (brokerId: NodeId) => FetchTransport | undefined;
