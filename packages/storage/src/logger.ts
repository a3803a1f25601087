/** The slice of a pino-style logger storage uses: `(fields, message)`. */
export interface StorageLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: StorageLogger = {
  info() {},
  warn() {},
  error() {},
};
