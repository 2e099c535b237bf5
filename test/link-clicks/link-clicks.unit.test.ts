import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  type LinkedRecipient,
  linkKey,
  signLink,
  stampLinks,
  verifyLink,
} from "../../src/features/broadcast-messages/links";
import { sharePayloads } from "../../src/features/messages/payload";
import { readConfig } from "../../src/platform/config";
import { ledgerMessageId, newMessageId } from "../../src/platform/ids";
import type { TemplateMessage } from "../../src/whatsapp/provider";
import { db, newProject, runQueueBatch } from "../helpers";

// Link tokens on their own: what they carry, what breaks them, how a page's and a retry's messages
// get theirs, how they are stored, and the queued write a failed click falls back to.

const MSG = "msg_019a0000000000aabbccddee";
const RUN = "run_019a0000000000112233445f";

const message = (buttons: TemplateMessage["buttons"]): TemplateMessage => ({
  to: "+919800000001",
  template: { name: "t_1", language: "en_US" },
  body: ["Asha"],
  ...(buttons ? { buttons } : {}),
});

describe("link tokens", () => {
  it("carry the message, run, button and suffix, under the deployment's key only", async () => {
    const key = await linkKey(env.ENCRYPTION_KEY);
    const ref = { messageId: MSG, runId: RUN, button: 1, suffix: "inv-9?x=ü" };
    const token = await signLink(key, ref);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await verifyLink(key, token)).toEqual(ref);
    expect(await signLink(key, { ...ref, suffix: "" })).toHaveLength(51);

    expect(await verifyLink(await linkKey("another deployment's key"), token)).toBeNull();
    // Every single byte is covered: the ids, the button and the suffix.
    const bytes = Uint8Array.from(atob(token.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));
    for (const at of [0, 5, 20, 25, 30, bytes.length - 1]) {
      const changed = bytes.slice();
      changed[at] = (changed[at] ?? 0) ^ 1;
      const text = btoa(String.fromCharCode(...changed))
        .replaceAll("+", "-")
        .replaceAll("/", "_")
        .replace(/=+$/, "");
      expect(await verifyLink(key, text), `byte ${at}`).toBeNull();
    }
  });

  it("name a message by any shape of its id: all hex (1), with a base64url end (2), or a run ledger's (3)", async () => {
    const key = await linkKey(env.ENCRYPTION_KEY);
    const fresh = newMessageId();
    for (const [messageId, version] of [
      [MSG, 1],
      [fresh, 2],
      ["msg_019a00000000A-_z09aQ", 2],
      // A message in its run's own object: the run's ref and the slot.
      [ledgerMessageId("25", 108), 3],
      [ledgerMessageId(String(2 ** 48 - 1), 2 ** 48 - 1), 3],
    ] as const) {
      const token = await signLink(key, { messageId, runId: RUN, button: 0, suffix: "" });
      expect(token, messageId).toHaveLength(51);
      expect(atob(token.slice(0, 4).replaceAll("-", "+").replaceAll("_", "/")).charCodeAt(0)).toBe(version);
      expect(await verifyLink(key, token)).toEqual({ messageId, runId: RUN, button: 0, suffix: "" });
    }
    await expect(
      signLink(key, { messageId: "msg_019a00000000A-_z09a", runId: RUN, button: 0, suffix: "" }),
    ).rejects.toThrow("not a message id");
    await expect(
      signLink(key, { messageId: ledgerMessageId(String(2 ** 48), 1), runId: RUN, button: 0, suffix: "" }),
    ).rejects.toThrow("out of a link's range");
  });

  it("fill a page's url buttons from their suffixes, and a retry's from the tokens it re-sends", async () => {
    const key = await linkKey(env.ENCRYPTION_KEY);
    const buttons = [
      { type: "input" as const, text: "Yes", input: "yes" },
      { type: "url" as const, text: "Pay", url: "https://pay.example.com/{pay.id}" },
      { type: "url" as const, text: "Shop", url: "https://shop.example.com/" },
    ];
    const page: LinkedRecipient[] = [
      {
        id: MSG,
        skipReason: null,
        payload: message([
          { index: 0, subType: "quick_reply", payload: "bcb:cmp_1:0" },
          { index: 1, subType: "url", text: "inv-9" },
        ]),
      },
      { id: "msg_019a0000000000aabbccdd00", skipReason: "opted_out", payload: null },
    ];
    await stampLinks(key, buttons, RUN, page, "suffix");
    const stamped = page[0]?.payload?.buttons ?? [];
    expect(stamped.map((b) => [b.index, b.subType])).toEqual([
      [0, "quick_reply"],
      [1, "url"],
      [2, "url"],
    ]);
    const text = (i: number) => (stamped[i]?.subType === "url" ? stamped[i].text : "");
    expect(await verifyLink(key, text(1))).toEqual({ messageId: MSG, runId: RUN, button: 1, suffix: "inv-9" });
    expect(await verifyLink(key, text(2))).toEqual({ messageId: MSG, runId: RUN, button: 2, suffix: "" });
    expect(page[1]).toEqual({ id: "msg_019a0000000000aabbccdd00", skipReason: "opted_out", payload: null });

    const retryRun = "run_019a00000000009999999999";
    const retried: LinkedRecipient[] = [
      { id: "msg_019b0000000000aabbccdd01", skipReason: null, payload: structuredClone(page[0]?.payload ?? null) },
    ];
    await stampLinks(key, buttons, retryRun, retried, "token");
    const again = retried[0]?.payload?.buttons?.[1];
    expect(await verifyLink(key, again?.subType === "url" ? again.text : "")).toEqual({
      messageId: "msg_019b0000000000aabbccdd01",
      runId: retryRun,
      button: 1,
      suffix: "inv-9",
    });
  });

  it("skip a recipient whose suffix would make the link longer than Meta takes", async () => {
    const key = await linkKey(env.ENCRYPTION_KEY);
    const page: LinkedRecipient[] = [
      { id: MSG, skipReason: null, payload: message([{ index: 0, subType: "url", text: "x".repeat(1001) }]) },
    ];
    await stampLinks(key, [{ type: "url", text: "Pay", url: "https://pay.example.com/{pay.id}" }], RUN, page, "suffix");
    expect(page[0]).toMatchObject({ payload: null, skipReason: "link_too_long:buttons.0" });
  });

  it("keep a tracked campaign's messages on one shared payload base, their buttons on each row", async () => {
    const key = await linkKey(env.ENCRYPTION_KEY);
    const rows: LinkedRecipient[] = [1, 2, 3].map((i) => ({
      id: `msg_019a0000000000aabbccdd0${i}`,
      skipReason: null,
      payload: message([]),
    }));
    await stampLinks(key, [{ type: "url", text: "Shop", url: "https://shop.example.com/" }], RUN, rows, "suffix");
    const p = await newProject();
    const { stored } = await sharePayloads(
      db(),
      p.id,
      rows.map((r, i) => ({ number: `+91980000000${i}`, payload: r.payload })),
    );
    expect(new Set(stored.map((s) => s?.base)).size).toBe(1);
    for (const [i, s] of stored.entries()) expect(s?.patch.buttons).toEqual(rows[i]?.payload?.buttons);
  });
});

describe("a click the redirect could not write", () => {
  it("is written from the jobs queue, each delivery one click", async () => {
    const p = await newProject();
    // A message id of its own: clicks are keyed by message, and other files share this database.
    const messageId = `msg_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
    const click = {
      kind: "link-click",
      projectId: p.id,
      campaignId: "cmp_019a0000000000000000aaaa",
      runId: RUN,
      messageId,
      button: 0,
      at: 1_800_000_000_000,
    };
    const batch = (id: string) => [{ id, timestamp: new Date(), attempts: 1, body: click }];
    expect((await runQueueBatch("wa-campaigns-jobs", batch("a"))).result.explicitAcks).toEqual(["a"]);
    await runQueueBatch("wa-campaigns-jobs", batch("b"));
    const row = await env.DB.prepare(
      "SELECT number, clicks, first_at, last_at FROM link_clicks WHERE message_id = ? AND project_id = ?",
    )
      .bind(messageId, p.id)
      .first();
    expect(row).toEqual({ number: null, clicks: 2, first_at: 1_800_000_000_000, last_at: 1_800_000_000_000 });
  });
});

describe("PUBLIC_URL", () => {
  it("is an origin when set, and unset when empty", () => {
    expect(readConfig({ ...env, PUBLIC_URL: "https://go.example.com/x/" } as Env).PUBLIC_URL).toBe(
      "https://go.example.com",
    );
    expect(readConfig({ ...env, PUBLIC_URL: "" } as Env).PUBLIC_URL).toBeUndefined();
    expect(() => readConfig({ ...env, PUBLIC_URL: "ftp://x" } as Env)).toThrow(/PUBLIC_URL/);
  });
});
