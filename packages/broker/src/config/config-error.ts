/** Start-up configuration problem; `key` names the offending property so the operator can fix it. */
export class ConfigError extends Error {
  readonly code = "CONFIG_ERROR";
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`${key}: ${message}`);
    this.name = "ConfigError";
  }
}
