import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/platform/crypto";
import { unseal } from "../../src/platform/sealed-secrets";
import { api, expectError, newProject } from "../helpers";

const metaAccount = (suffix: string) => ({
  provider: "meta",
  phoneNumberId: `1065403522${suffix}`,
  wabaId: `1022901293${suffix}`,
  accessToken: `EAAG-token-${suffix}-abcdefgh`,
  appSecret: `app-secret-${suffix}-abcdefgh`,
  verifyToken: `verify-${suffix}-abcdefgh`,
  appId: "1234567890123456",
});

describe("PUT/GET /v1/admin/projects/{projectId}/whatsapp", () => {
  it("stores a Meta account and never returns its secrets", async () => {
    const p = await newProject();
    const body = metaAccount("01");
    const put = await api("PUT", `/v1/admin/projects/${p.id}/whatsapp`, { admin: true, body });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      provider: "meta",
      phoneNumberId: body.phoneNumberId,
      wabaId: body.wabaId,
      throughput: 80,
      // No stand-in account answers for this number: the read fails, and Meta's default stays.
      throughputSource: "meta",
      marketingMessagesApi: false,
      appId: "1234567890123456",
      hasAccessToken: true,
      hasAppSecret: true,
      hasVerifyToken: true,
      lastWebhookAt: null,
      updatedAt: expect.any(String),
    });
    const get = await api("GET", `/v1/admin/projects/${p.id}/whatsapp`, { admin: true });
    expect(get.body).toEqual(put.body);
    for (const secret of [body.accessToken, body.appSecret, body.verifyToken]) {
      expect(JSON.stringify(get.body)).not.toContain(secret);
    }
  });

  it("encrypts the token and secret at rest, bound to the project, and keeps only a hash of the verify token", async () => {
    const p = await newProject();
    const body = metaAccount("02");
    await api("PUT", `/v1/admin/projects/${p.id}/whatsapp`, { admin: true, body });
    const row = await env.DB.prepare(
      "SELECT access_token_enc, app_secret_enc, verify_token_hash FROM whatsapp_accounts WHERE project_id = ?",
    )
      .bind(p.id)
      .first<{ access_token_enc: string; app_secret_enc: string; verify_token_hash: string }>();
    expect(row?.access_token_enc).toMatch(/^v1\./);
    expect(row?.access_token_enc).not.toContain(body.accessToken);
    expect(row?.verify_token_hash).toBe(await sha256Hex(body.verifyToken));
    const key = env.ENCRYPTION_KEY;
    expect(await unseal(key, row?.access_token_enc ?? "", `${p.id}:access_token`)).toBe(body.accessToken);
    expect(await unseal(key, row?.app_secret_enc ?? "", `${p.id}:app_secret`)).toBe(body.appSecret);
    // Copied into another column or project, the ciphertext does not open.
    await expect(unseal(key, row?.access_token_enc ?? "", `${p.id}:app_secret`)).rejects.toThrow();
    await expect(unseal(key, row?.access_token_enc ?? "", `prj_other:access_token`)).rejects.toThrow();
  });

  it("replaces the account on a second PUT and accepts a sandbox account without secrets", async () => {
    const p = await newProject();
    await api("PUT", `/v1/admin/projects/${p.id}/whatsapp`, { admin: true, body: metaAccount("03") });
    const put = await api("PUT", `/v1/admin/projects/${p.id}/whatsapp`, {
      admin: true,
      body: { provider: "sandbox", phoneNumberId: "sandbox-phone-03", wabaId: "sandbox-waba-03", throughput: 1000 },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      provider: "sandbox",
      throughput: 1000,
      appId: null,
      hasAccessToken: false,
      hasAppSecret: false,
      hasVerifyToken: false,
    });
  });

  it("names appId when it is not the Meta app's numeric id", async () => {
    const p = await newProject();
    const put = await api("PUT", `/v1/admin/projects/${p.id}/whatsapp`, {
      admin: true,
      body: { ...metaAccount("09"), appId: "my-app" },
    });
    expect(put.status).toBe(400);
    expect(put.body.error.fields.map((f: { field: string }) => f.field)).toEqual(["appId"]);
  });

  it("requires the secrets for a Meta account, naming each missing one", async () => {
    const p = await newProject();
    const result = await api("PUT", `/v1/admin/projects/${p.id}/whatsapp`, {
      admin: true,
      body: { provider: "meta", phoneNumberId: "1", wabaId: "2" },
    });
    expectError(result, 400, "validation_failed", ["accessToken", "appSecret", "verifyToken"]);
  });

  it("rejects a throughput outside 1–1000 and a malformed id", async () => {
    const p = await newProject();
    const tooFast = await api("PUT", `/v1/admin/projects/${p.id}/whatsapp`, {
      admin: true,
      body: { ...metaAccount("04"), throughput: 1001 },
    });
    expectError(tooFast, 400, "validation_failed", ["throughput"]);
    const badId = await api("PUT", `/v1/admin/projects/${p.id}/whatsapp`, {
      admin: true,
      body: { ...metaAccount("04"), phoneNumberId: "../etc" },
    });
    expectError(badId, 400, "validation_failed", ["phoneNumberId"]);
  });

  it("refuses a phone number id that another project already uses", async () => {
    const a = await newProject();
    const b = await newProject();
    await api("PUT", `/v1/admin/projects/${a.id}/whatsapp`, { admin: true, body: metaAccount("05") });
    const result = await api("PUT", `/v1/admin/projects/${b.id}/whatsapp`, { admin: true, body: metaAccount("05") });
    expectError(result, 409, "conflict", ["phoneNumberId"]);
  });

  it("404s an unknown project or a project without an account, and needs the admin token", async () => {
    const p = await newProject();
    expectError(
      await api("PUT", "/v1/admin/projects/prj_missing/whatsapp", { admin: true, body: metaAccount("06") }),
      404,
      "not_found",
    );
    expectError(await api("GET", `/v1/admin/projects/${p.id}/whatsapp`, { admin: true }), 404, "not_found");
    expectError(
      await api("PUT", `/v1/admin/projects/${p.id}/whatsapp`, { key: p.manager, body: metaAccount("06") }),
      401,
      "unauthorized",
    );
  });
});
