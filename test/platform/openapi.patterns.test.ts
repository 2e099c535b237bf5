import { describe, expect, it } from "vitest";
import { DefinitionName } from "../../src/features/contacts/definitions";
import { api } from "../helpers";

/** Every `pattern` keyword in a JSON Schema document, with the JSON path it sits at. */
function patternsIn(node: unknown, path = "$"): { path: string; pattern: unknown }[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => patternsIn(item, `${path}[${i}]`));
  if (node === null || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([key, value]) => [
    ...(key === "pattern" && typeof value !== "object" ? [{ path: `${path}.pattern`, pattern: value }] : []),
    ...patternsIn(value, `${path}.${key}`),
  ]);
}

/** The pattern a generated client would check a tag name against (`POST /v1/tags`). */
async function tagNamePattern(): Promise<string> {
  const doc = await api("GET", "/openapi.json");
  const schema = doc.body.paths["/v1/tags"].post.requestBody.content["application/json"].schema;
  const resolved = schema.$ref ? doc.body.components.schemas[schema.$ref.split("/").pop()] : schema;
  return resolved.properties.name.pattern;
}

describe("OpenAPI: published patterns", () => {
  it("publishes only patterns that compile as ECMA-262 regexes with unicode semantics", async () => {
    const doc = await api("GET", "/openapi.json");
    const found = patternsIn(doc.body);
    expect(found.length).toBeGreaterThan(0);
    for (const { path, pattern } of found) {
      expect(typeof pattern, path).toBe("string");
      expect(() => new RegExp(pattern as string, "u"), `${path}: ${pattern}`).not.toThrow();
      // A regex literal's flags leaking into the pattern (`…$/u`) make it match nothing useful.
      expect(pattern, path).not.toMatch(/\/[dgimsuvy]*$/);
    }
  });

  it("publishes a tag name pattern that accepts names and refuses control characters", async () => {
    const pattern = new RegExp(await tagNamePattern(), "u");
    for (const name of ["vip", "VIP customer", "Müşteri", "客户", "emoji 🎉", "a/b", "x:y"]) {
      expect(pattern.test(name), name).toBe(true);
    }
    for (const name of ["vip\u0000", "a\tb", "a\nb", "\u001f", "a\u007fb", "\u0085", "b\u009f"]) {
      expect(pattern.test(name), JSON.stringify(name)).toBe(false);
    }
  });

  it("publishes exactly the Cc rule the server validates with, code point by code point", async () => {
    const published = new RegExp(await tagNamePattern(), "u");
    const cc = /\p{Cc}/u;
    const disagree: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      if (published.test(`a${ch}b`) === cc.test(ch)) disagree.push(cp.toString(16));
    }
    expect(disagree.slice(0, 10)).toEqual([]);
  });

  it("validates tag names as before: control characters refused, everything else kept", () => {
    const issues = (name: string) => {
      const result = DefinitionName.safeParse(name);
      return result.success ? [] : result.error.issues.map((i) => i.message);
    };
    expect(issues("vip")).toEqual([]);
    expect(issues("emoji 🎉 客户")).toEqual([]);
    for (const cp of [0x00, 0x09, 0x1f, 0x7f, 0x80, 0x9f]) {
      expect(issues(`a${String.fromCodePoint(cp)}b`), cp.toString(16)).toEqual(["must not contain control characters"]);
    }
    // Trimmed first, so surrounding whitespace controls are not a problem; an empty name is one issue.
    expect(issues("\tvip\n")).toEqual([]);
    expect(DefinitionName.parse("  vip  ")).toBe("vip");
    expect(issues("")).toHaveLength(1);
  });
});
