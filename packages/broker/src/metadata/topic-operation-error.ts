/** A topic operation failed with a Kafka error code (per-topic in responses). */
export class TopicOperationError extends Error {
  readonly code = "TOPIC_OPERATION";
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = "TopicOperationError";
  }
}
