import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { queueShards, shardIndex } from "../../src/platform/queue-shards";
import { statusPayload } from "../../src/whatsapp/webhook/payload";
import { newProject } from "../helpers";
import { attachMetaAccount, NUMBER, postSigned, sentMessage } from "../inbound/inbound.helpers";
import { eventually, messageRow } from "../messages/messages.helpers";

// The tests run with a second shard of the events and sends queues (vitest.config.ts), each with
// its own consumer, as an operator adds one (docs/scaling.md#adding-a-queue-shard).
describe("queue shards, through the Worker", { timeout: 60_000 }, () => {
  it("binds SENDS and EVENTS with one more shard each", () => {
    expect(queueShards(env, "EVENTS")).toHaveLength(2);
    expect(queueShards(env, "SENDS")).toHaveLength(2);
    expect(queueShards(env, "JOBS")).toHaveLength(1);
  });

  it("applies the status webhooks of numbers on either events shard", async () => {
    const accounts: { projectId: string; phoneNumberId: string; wabaId: string; appSecret: string }[] = [];
    // Numbers are random per account: attach until both shards have one.
    while (new Set(accounts.map((a) => shardIndex(a.phoneNumberId, 2))).size < 2 && accounts.length < 20) {
      const p = await newProject();
      accounts.push({ projectId: p.id, ...(await attachMetaAccount(p.id)) });
    }
    expect(new Set(accounts.map((a) => shardIndex(a.phoneNumberId, 2)))).toEqual(new Set([0, 1]));
    const messages: string[] = [];
    for (const account of accounts) {
      const { id, wamid } = await sentMessage(account.projectId);
      messages.push(id);
      const payload = statusPayload({
        wabaId: account.wabaId,
        phoneNumberId: account.phoneNumberId,
        wamid,
        status: "delivered",
        recipient: NUMBER,
        at: 1_700_000_000_000,
        callbackData: `${id}||`,
      });
      expect((await postSigned(account.appSecret, payload)).status).toBe(200);
    }
    await eventually(
      async () => Promise.all(messages.map(async (id) => (await messageRow(id))?.status)),
      (statuses) => statuses.every((status) => status === "delivered"),
    );
  });
});
