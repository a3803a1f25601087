/** A frame announced a length above the bound; the connection is closed before anything is allocated. */
export class FrameTooLargeError extends Error {
  readonly code = "RPC_FRAME_TOO_LARGE";
  constructor(readonly frameBytes: number, readonly maxFrameBytes: number) {
    super(`frame of ${frameBytes} bytes exceeds maxFrameBytes ${maxFrameBytes}`);
    this.name = "FrameTooLargeError";
  }
}

export class RpcTimeoutError extends Error {
  readonly code = "RPC_TIMEOUT";
  constructor(readonly method: string, readonly timeoutMs: number) {
    super(`${method} got no answer within ${timeoutMs} ms`);
    this.name = "RpcTimeoutError";
  }
}

export class RpcConnectionError extends Error {
  readonly code = "RPC_CONNECTION";
  constructor(message: string) {
    super(message);
    this.name = "RpcConnectionError";
  }
}

/** The server answered with an error (unknown method, handler failure, too many requests in flight). */
export class RpcRemoteError extends Error {
  readonly code = "RPC_REMOTE";
  constructor(readonly method: string, readonly remoteMessage: string) {
    super(`${method} failed remotely: ${remoteMessage}`);
    this.name = "RpcRemoteError";
  }
}

export class RaftDecodeError extends Error {
  readonly code = "RAFT_DECODE_ERROR";
  constructor(message: string) {
    super(message);
    this.name = "RaftDecodeError";
  }
}
