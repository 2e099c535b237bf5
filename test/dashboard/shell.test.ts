import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("the dashboard's page", () => {
  it("leads from the root to the dashboard", async () => {
    const res = await SELF.fetch("https://api.test/", { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/app/");
  });

  it("answers any dashboard address with the one page, under a strict content policy", async () => {
    for (const path of ["/app/", "/app/campaigns/cmp_123", "/app/operator/projects/prj_1"]) {
      const res = await SELF.fetch(`https://api.test${path}`);
      expect(res.status, path).toBe(200);
      const html = await res.text();
      expect(html).toMatch(/<div id="app"><\/div>/);
      expect(html).toMatch(/<script type="module" src="\/app\/assets\/app-\w+\.js"><\/script>/);
      if (path !== "/app/") expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    }
  });

  it("serves the page's script", async () => {
    const html = await (await SELF.fetch("https://api.test/app/")).text();
    const src = html.match(/src="(\/app\/assets\/app-\w+\.js)"/)?.[1];
    const res = await SELF.fetch(`https://api.test${src}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/javascript/);
  });
});
