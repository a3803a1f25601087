import { BROKER_CONFIG_DEFS } from "./broker-config-defs.js";
import { envNameOf } from "./broker-config.js";
import { formatConfigValue } from "./config-types.js";
import { TOPIC_CONFIG_DEFS } from "./topic-config-defs.js";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** Markdown table of broker properties, generated from the definitions table (README). */
export function renderBrokerConfigTable(): string {
  const rows = BROKER_CONFIG_DEFS.map((d) => {
    const def = formatConfigValue(d.type, d.default);
    const valid = d.validator ? d.validator.describe : "";
    const doc = d.effect === "none" ? `${d.doc} (no effect)` : d.doc;
    return `| \`${d.name}\` | \`${envNameOf(d.name)}\` | ${d.type} | ${def === null ? "(unset)" : `\`${cell(def)}\``} | ${cell(valid)} | ${cell(doc)} |`;
  });
  return ["| property | environment variable | type | default | valid values | description |", "| --- | --- | --- | --- | --- | --- |", ...rows].join("\n");
}

/** Markdown table of topic-level configs with the broker property supplying each default. */
export function renderTopicConfigTable(): string {
  const rows = TOPIC_CONFIG_DEFS.map((d) => {
    const def = formatConfigValue(d.type, d.default);
    return `| \`${d.name}\` | ${d.brokerKey ? `\`${d.brokerKey}\`` : ""} | ${d.type} | ${def === null ? "(unset)" : `\`${cell(def)}\``} | ${cell(d.validator?.describe ?? "")} | ${cell(d.doc)} |`;
  });
  return ["| topic config | default from | type | default | valid values | description |", "| --- | --- | --- | --- | --- | --- |", ...rows].join("\n");
}
