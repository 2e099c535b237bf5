import { readdirSync, readFileSync } from "node:fs";

/** The test files under `test/` (paths from the repository's root) whose source calls one of `calls`. */
export function testFilesCalling(...calls) {
  const pattern = new RegExp(`\\b(?:${calls.join("|")})\\(`);
  return readdirSync("test", { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".test.ts") && pattern.test(readFileSync(`test/${file}`, "utf8")))
    .map((file) => `test/${file}`)
    .sort();
}
