import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { base, send, setup } from "../api-campaigns/api-send.helpers";
import { call, expectError, newProject } from "../helpers";
import { eventually, storedMessage } from "./messages.helpers";

// GET /v1/messages/{id}/preview: a message as its recipient sees it, from the payload it is sent with.

const preview = (key: string | undefined, id: string) => call("GET", `/v1/messages/${id}/preview`, { key });

async function sentMessage() {
  const s = await setup({
    footer: { text: "Reply STOP to opt out" },
    buttons: [{ type: "URL", text: "Track", url: "https://shop.example/o/{{1}}", example: "A-1" }],
  });
  const accepted = await send({ ...base(s), templateParams: ["Asha", "#1", "A-9"] });
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  const id = accepted.body.messageId as string;
  await eventually(
    () => storedMessage(id),
    (m) => m !== null,
  );
  return { s, id };
}

describe("GET /v1/messages/{id}/preview", () => {
  it("renders an API campaign's message with its values, to any key of the project", async () => {
    const { s, id } = await sentMessage();
    for (const key of [s.sender, s.manager]) {
      const res = await preview(key, id);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toEqual({
        kind: "template",
        to: "+917428526285",
        template: { name: "order_update", language: "en_US" },
        header: null,
        body: "Hi Asha, your order #1 is on its way.",
        footer: "Reply STOP to opt out",
        buttons: [{ type: "url", text: "Track", value: "https://shop.example/o/A-9" }],
        offer: null,
        cards: [],
      });
    }
  });

  it("renders a session text message as its text", async () => {
    const p = await newProject();
    const id = "msg_preview_text_1";
    await env.DB.prepare(
      "INSERT INTO messages (id, project_id, number, status, payload, created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, 0, 0)",
    )
      .bind(id, p.id, "+917428526285", JSON.stringify({ type: "text", to: "+917428526285", text: "Welcome!" }))
      .run();
    const res = await preview(p.sender, id);
    expect(res.body).toMatchObject({ kind: "text", template: null, body: "Welcome!", buttons: [] });
  });

  it("answers 404 for another project's message, an unknown id, and a message whose template is gone", async () => {
    const { s, id } = await sentMessage();
    const other = await newProject();
    expectError(await preview(other.manager, id), 404, "not_found");
    expectError(await preview(s.sender, "msg_unknown"), 404, "not_found");
    await env.DB.prepare("DELETE FROM templates WHERE project_id = ?").bind(s.id).run();
    const gone = await preview(s.sender, id);
    expectError(gone, 404, "not_found");
    expect(gone.body.error.message).toContain("template");
  });

  it("needs a key and refuses an id longer than any message id", async () => {
    const p = await newProject();
    expectError(await preview(undefined, "msg_x"), 401, "unauthorized");
    expectError(await preview(p.sender, `msg_${"x".repeat(80)}`), 400, "validation_failed", ["id"]);
  });
});
