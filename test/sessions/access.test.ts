import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ConfigError, readConfig } from "../../src/platform/config";
import { ACCESS_AUD, ACCESS_HOST } from "../../standin/access";
import { call, expectError } from "../helpers";

// Cloudflare Access in front of the operator routes (ACCESS_TEAM_DOMAIN and ACCESS_AUD point at
// standin/access.ts in the tests): Access's JWT is the operator's credential.

async function accessToken(claims: Record<string, unknown>, stranger = false) {
  const res = await fetch(`https://${ACCESS_HOST}/__sign${stranger ? "?stranger=1" : ""}`, {
    method: "POST",
    body: JSON.stringify(claims),
  });
  return ((await res.json()) as { token: string }).token;
}

const asAccess = (token: string) => ({ headers: { "Cf-Access-Jwt-Assertion": token } });

describe("Cloudflare Access on the operator routes", () => {
  it("lets a valid Access JWT for the application use the operator routes and see an operator session", async () => {
    const token = await accessToken({ aud: [ACCESS_AUD], email: "ops@example.com" });
    const projects = await call("GET", "/v1/admin/projects", asAccess(token));
    expect(projects.status, JSON.stringify(projects.body)).toBe(200);
    const session = await call("GET", "/v1/session", asAccess(token));
    expect(session.body).toEqual({ kind: "admin", expiresAt: expect.any(String) });
  });

  it("refuses a JWT for another application, an expired one, one of another issuer and one signed by a stranger", async () => {
    const now = Math.floor(Date.now() / 1000);
    const refused = [
      await accessToken({ aud: ["another-application"] }),
      await accessToken({ aud: [ACCESS_AUD], exp: now - 60 }),
      await accessToken({ aud: [ACCESS_AUD], iss: "https://elsewhere.cloudflareaccess.com" }),
      await accessToken({ aud: [ACCESS_AUD] }, true),
      "not.a.jwt",
    ];
    for (const token of refused) {
      expectError(await call("GET", "/v1/admin/projects", asAccess(token)), 401, "unauthorized");
      expectError(await call("GET", "/v1/session", asAccess(token)), 401, "unauthorized");
    }
  });

  it("gives a project route nothing: Access makes an operator, not a key", async () => {
    const token = await accessToken({ aud: [ACCESS_AUD] });
    expectError(await call("GET", "/v1/project", asAccess(token)), 401, "unauthorized");
  });
});

describe("Access's configuration", () => {
  const SECRETS = { ADMIN_TOKEN: "test-admin-token-0123456789", ENCRYPTION_KEY: env.ENCRYPTION_KEY };
  const read = (vars: Record<string, string>) => readConfig({ ...SECRETS, ...vars } as unknown as Env);

  it("needs both the team and the audience, and the team over https", () => {
    expect(read({}).ACCESS_TEAM_DOMAIN).toBeUndefined();
    expect(read({ ACCESS_TEAM_DOMAIN: "", ACCESS_AUD: "" }).ACCESS_AUD).toBeUndefined();
    expect(
      read({ ACCESS_TEAM_DOMAIN: "https://acme.cloudflareaccess.com/", ACCESS_AUD: "aud" }).ACCESS_TEAM_DOMAIN,
    ).toBe("https://acme.cloudflareaccess.com");
    expect(() => read({ ACCESS_TEAM_DOMAIN: "https://acme.cloudflareaccess.com" })).toThrow(/ACCESS_AUD/);
    expect(() => read({ ACCESS_AUD: "aud" })).toThrow(/ACCESS_AUD/);
    expect(() => read({ ACCESS_TEAM_DOMAIN: "http://acme.cloudflareaccess.com", ACCESS_AUD: "aud" })).toThrow(
      ConfigError,
    );
  });
});
