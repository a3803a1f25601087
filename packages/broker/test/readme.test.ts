import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderBrokerConfigTable, renderTopicConfigTable } from "@samsa/broker";

describe("README", () => {
  it("carries the configuration tables generated from the definitions", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    expect(readme).toContain(renderBrokerConfigTable());
    expect(readme).toContain(renderTopicConfigTable());
  });
});
