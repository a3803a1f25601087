import { ErrorCode, KafkaError } from "@samsa/protocol";

/** Produce with acks=all while the ISR is smaller than min.insync.replicas (checked before the append). */
export class NotEnoughReplicasError extends KafkaError {
  readonly code = "NOT_ENOUGH_REPLICAS";
  readonly errorCode = ErrorCode.NOT_ENOUGH_REPLICAS;
  override name = "NotEnoughReplicasError";
  override retriable = true;
}

/** The ISR shrank below min.insync.replicas after an acks=all append was written. */
export class NotEnoughReplicasAfterAppendError extends KafkaError {
  readonly code = "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
  readonly errorCode = ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
  override name = "NotEnoughReplicasAfterAppendError";
  override retriable = true;
}

/** An acks=all produce was not replicated within its request timeout. */
export class ReplicationTimeoutError extends KafkaError {
  readonly code = "REPLICATION_TIMED_OUT";
  readonly errorCode = ErrorCode.REQUEST_TIMED_OUT;
  override name = "ReplicationTimeoutError";
  override retriable = true;
}

/** This broker does not lead (or, for follower fetches, host) the partition. */
export class NotLeaderOrFollowerError extends KafkaError {
  readonly code = "NOT_LEADER_OR_FOLLOWER";
  readonly errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
  override name = "NotLeaderOrFollowerError";
  override retriable = true;
}

/** Too many acks=all produces are already waiting; the bound protects memory. */
export class TooManyDelayedProducesError extends KafkaError {
  readonly code = "TOO_MANY_DELAYED_PRODUCES";
  readonly errorCode = ErrorCode.REQUEST_TIMED_OUT;
  override name = "TooManyDelayedProducesError";
  override retriable = true;
}

/** DeleteRecords moved the leader's log start, but not every live replica followed within the request timeout. */
export class DeleteRecordsTimeoutError extends KafkaError {
  readonly code = "DELETE_RECORDS_TIMED_OUT";
  readonly errorCode = ErrorCode.REQUEST_TIMED_OUT;
  override name = "DeleteRecordsTimeoutError";
  override retriable = true;
}

/** Too many DeleteRecords requests are already waiting for replicas; the bound protects memory. */
export class TooManyDelayedDeleteRecordsError extends KafkaError {
  readonly code = "TOO_MANY_DELAYED_DELETE_RECORDS";
  readonly errorCode = ErrorCode.REQUEST_TIMED_OUT;
  override name = "TooManyDelayedDeleteRecordsError";
  override retriable = true;
}
