import { ConfigError } from "./config-error.js";

/** Kafka's config value types (ConfigDef.Type), the subset Samsa uses. */
export type ConfigType = "int" | "long" | "double" | "boolean" | "string" | "list" | "password";
export type ConfigValue = number | boolean | string | readonly string[] | null;

/** Kafka writes "infinite" longs as Long.MAX_VALUE; we hold them as the largest safe integer. */
export const LONG_MAX = Number.MAX_SAFE_INTEGER;
const LONG_MAX_TEXT = "9223372036854775807";
const LONG_MIN_TEXT = "-9223372036854775808";
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export function parseConfigValue(key: string, type: ConfigType, text: string): ConfigValue {
  const trimmed = text.trim();
  switch (type) {
    case "int": {
      if (!/^[-+]?\d+$/.test(trimmed)) throw new ConfigError(key, `'${text}' is not an integer`);
      const n = Number(trimmed);
      if (n < INT32_MIN || n > INT32_MAX) throw new ConfigError(key, `'${text}' is outside the 32-bit integer range`);
      return n;
    }
    case "long": {
      if (!/^[-+]?\d+$/.test(trimmed)) throw new ConfigError(key, `'${text}' is not an integer`);
      if (trimmed.replace(/^\+/, "") === LONG_MAX_TEXT) return LONG_MAX;
      if (trimmed === LONG_MIN_TEXT) return -LONG_MAX;
      const n = Number(trimmed);
      if (!Number.isSafeInteger(n)) throw new ConfigError(key, `'${text}' is outside the supported integer range`);
      return n;
    }
    case "double": {
      const n = Number(trimmed);
      if (trimmed === "" || !Number.isFinite(n)) throw new ConfigError(key, `'${text}' is not a number`);
      return n;
    }
    case "boolean": {
      const lower = trimmed.toLowerCase();
      if (lower === "true") return true;
      if (lower === "false") return false;
      throw new ConfigError(key, `'${text}' is not a boolean (true or false)`);
    }
    case "list":
      return trimmed === "" ? [] : trimmed.split(",").map((s) => s.trim()).filter((s) => s !== "");
    case "string":
    case "password":
      return trimmed;
  }
}

/** The text form Kafka tools show for a value (DescribeConfigs, docs). */
export function formatConfigValue(type: ConfigType, value: ConfigValue): string | null {
  if (value === null) return null;
  if (Array.isArray(value)) return value.join(",");
  if (type === "long" && value === LONG_MAX) return LONG_MAX_TEXT;
  return String(value);
}

export type Validator = { check(value: ConfigValue): string | undefined; describe: string };

export function atLeast(min: number): Validator {
  return {
    describe: `[${min},...]`,
    check: (v) => (typeof v === "number" && v < min ? `must be at least ${min}` : undefined),
  };
}
export function between(min: number, max: number): Validator {
  return {
    describe: `[${min},...,${max}]`,
    check: (v) => (typeof v === "number" && (v < min || v > max) ? `must be between ${min} and ${max}` : undefined),
  };
}
export function oneOf(...allowed: string[]): Validator {
  return {
    describe: `[${allowed.join(", ")}]`,
    check: (v) => {
      const values = Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
      const bad = values.find((x) => !allowed.includes(x));
      return bad === undefined ? undefined : `'${bad}' is not one of ${allowed.join(", ")}`;
    },
  };
}
/** Case-insensitive oneOf for enum-like strings Kafka compares case-insensitively. */
export function oneOfIgnoringCase(...allowed: string[]): Validator {
  const lower = allowed.map((a) => a.toLowerCase());
  return {
    describe: `[${allowed.join(", ")}]`,
    check: (v) =>
      typeof v === "string" && !lower.includes(v.toLowerCase()) ? `'${v}' is not one of ${allowed.join(", ")}` : undefined,
  };
}
export const nonEmptyList: Validator = {
  describe: "non-empty list",
  check: (v) => (Array.isArray(v) && v.length === 0 ? "must not be empty" : undefined),
};
