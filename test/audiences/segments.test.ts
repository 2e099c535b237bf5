import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { audiencePage, SEGMENT_SCAN, segmentPageQuery } from "../../src/features/audiences/members";
import type { SegmentFilter } from "../../src/features/audiences/segment";
import { defineAttributes, defineTags, upsertOk } from "../contacts/contacts.helpers";
import { db, expectError, newProject, type Project } from "../helpers";
import { expectIndexed } from "../query-plan";
import {
  allAudienceNumbers,
  audienceContacts,
  createAudience,
  createAudienceOk,
  insertCampaign,
  insertMessage,
  insertResponse,
  insertRun,
  numbers,
} from "./audiences.helpers";

const [A, B, C, D] = numbers(4) as [string, string, string, string];

let p: Project;

/** Four contacts with different tags, attributes, sources and opt-out. */
async function people(project: Project) {
  await defineTags(project.manager, "vip", "new");
  await defineAttributes(project.manager, "city");
  await upsertOk(project.manager, {
    number: A,
    tags: ["vip", "new"],
    attributes: { city: "Pune" },
    source: "Website lead",
  });
  await upsertOk(project.manager, { number: B, tags: ["vip"], attributes: { city: "Mumbai" }, source: "Shop" });
  await upsertOk(project.manager, { number: C, attributes: { city: "Delhi" }, source: "Website lead", optedOut: true });
  await upsertOk(project.manager, { number: D, tags: ["new"] });
}

beforeEach(async () => {
  p = await newProject("segments");
  await people(p);
});

let seq = 0;
/** Saves the filter as a segment and returns who is in it now, walking pages of one. */
async function members(filter: SegmentFilter) {
  const id = `seg${++seq}`;
  const created = await createAudienceOk(p.manager, { id, name: id, filter });
  expect(created.audience).toMatchObject({ type: "segment", filter, contacts: null });
  return allAudienceNumbers(p.manager, id, 1);
}

describe("segments by contact data", () => {
  it.each<[string, SegmentFilter, string[]]>([
    ["every one of the tags", { tags: ["vip", "new"] }, [A]],
    ["one tag", { tags: ["vip"] }, [A, B]],
    ["any of the tags", { anyTags: ["vip", "new"] }, [A, B, D]],
    ["none of the tags", { notTags: ["vip"] }, [C, D]],
    ["one source (the documented lead source, retargeted)", { source: "Website lead" }, [A, C]],
    ["one of the sources", { source: ["Shop", "Website lead"] }, [A, B, C]],
    ["an attribute value", { attributes: { city: "Pune" } }, [A]],
    ["one of the attribute values", { attributes: { city: ["Pune", "Delhi"] } }, [A, C]],
    ["opted out", { optedOut: true }, [C]],
    ["opted in", { optedOut: false }, [A, B, D]],
    ["all conditions at once (AND)", { source: "Website lead", notTags: ["vip"] }, [C]],
    ["conditions that exclude each other", { tags: ["vip"], notTags: ["vip"] }, []],
  ])("%s", async (_, filter, expected) => {
    expect(await members(filter)).toEqual(expected);
  });

  it("is evaluated when read: a contact that starts matching is in the segment", async () => {
    await createAudienceOk(p.manager, { id: "leads", name: "Leads", filter: { source: "Website lead" } });
    expect(await allAudienceNumbers(p.manager, "leads")).toEqual([A, C]);
    await upsertOk(p.manager, { number: D, source: "Website lead" }, 200);
    const [E] = numbers(1, 50);
    await upsertOk(p.manager, { number: E, source: "Website lead" });
    expect(await allAudienceNumbers(p.manager, "leads")).toEqual([A, C, D, E]);
  });

  it("never includes another project's contacts, whatever they carry", async () => {
    const other = await newProject("other");
    await people(other);
    expect(await members({ tags: ["vip"] })).toEqual([A, B]);
    expect(await members({ source: "Website lead" })).toEqual([A, C]);
    expect(await members({ attributes: { city: "Pune" } })).toEqual([A]);
  });

  it("an existing segment's filter can be replaced by posting it again", async () => {
    await createAudienceOk(p.manager, { id: "s", name: "S", filter: { tags: ["vip"] } });
    const updated = await createAudienceOk(p.manager, { id: "s", filter: { notTags: ["vip"] } }, 200);
    expect(updated.audience.filter).toEqual({ notTags: ["vip"] });
    expect(await allAudienceNumbers(p.manager, "s")).toEqual([C, D]);
  });
});

describe("segments by behaviour in past campaigns", () => {
  let campaign: string;
  let run1: string;
  let run2: string;
  let apiCampaign: string;

  beforeEach(async () => {
    campaign = await insertCampaign(p.id);
    run1 = await insertRun(p.id, campaign);
    run2 = await insertRun(p.id, campaign);
    await insertMessage(p.id, campaign, run1, A, "delivered");
    await insertMessage(p.id, campaign, run1, B, "read");
    await insertMessage(p.id, campaign, run1, C, "failed");
    await insertMessage(p.id, campaign, run2, D, "sent");
    apiCampaign = await insertCampaign(p.id, "api");
    await insertMessage(p.id, apiCampaign, null, C, "read");
    await insertMessage(p.id, apiCampaign, null, D, "queued");
    await insertResponse(p.id, campaign, run1, A, "text", "tell me more");
    await insertResponse(p.id, campaign, run1, B, "button", "Yes");
    await insertResponse(p.id, campaign, run2, D, "interactive", "No");
  });

  it.each<[string, (ids: Ids) => SegmentFilter["behaviour"], (n: Numbers) => string[]]>([
    ["received", (i) => [{ campaignId: i.campaign, did: "received" }], (n) => [n.A, n.B, n.D]],
    ["received in one run", (i) => [{ campaignId: i.campaign, runId: i.run1, did: "received" }], (n) => [n.A, n.B]],
    ["not received (failed, or never sent)", (i) => [{ campaignId: i.campaign, did: "not_received" }], (n) => [n.C]],
    ["read", (i) => [{ campaignId: i.campaign, did: "read" }], (n) => [n.B]],
    ["not read", (i) => [{ campaignId: i.campaign, did: "not_read" }], (n) => [n.A, n.C, n.D]],
    ["replied", (i) => [{ campaignId: i.campaign, did: "replied" }], (n) => [n.A]],
    ["not replied", (i) => [{ campaignId: i.campaign, did: "not_replied" }], (n) => [n.B, n.C, n.D]],
    ["pressed any button", (i) => [{ campaignId: i.campaign, did: "pressed" }], (n) => [n.B, n.D]],
    ["pressed one button", (i) => [{ campaignId: i.campaign, did: "pressed", button: "Yes" }], (n) => [n.B]],
    ["pressed in one run", (i) => [{ campaignId: i.campaign, runId: i.run2, did: "pressed" }], (n) => [n.D]],
    ["received an API campaign's message", (i) => [{ campaignId: i.api, did: "received" }], (n) => [n.C]],
    [
      "not received an API campaign's message",
      (i) => [{ campaignId: i.api, did: "not_received" }],
      (n) => [n.A, n.B, n.D],
    ],
    [
      "received but did not read (AND)",
      (i) => [
        { campaignId: i.campaign, did: "received" },
        { campaignId: i.campaign, did: "not_read" },
      ],
      (n) => [n.A, n.D],
    ],
  ])("%s", async (_, behaviour, expected) => {
    const ids = { campaign, run1, run2, api: apiCampaign };
    expect(await members({ behaviour: behaviour(ids) })).toEqual(expected({ A, B, C, D }));
  });

  it("combines behaviour with contact data", async () => {
    expect(await members({ tags: ["vip"], behaviour: [{ campaignId: campaign, did: "not_read" }] })).toEqual([A]);
  });
});

type Ids = { campaign: string; run1: string; run2: string; api: string };
type Numbers = { A: string; B: string; C: string; D: string };

describe("a segment's references are checked when it is saved", () => {
  it.each<[string, (ids: { other: string; run: string; campaign: string }) => unknown, string[]]>([
    ["an unknown tag", () => ({ tags: ["vip", "nope"] }), ["filter.tags.1"]],
    [
      "an unknown tag in anyTags and notTags",
      () => ({ anyTags: ["x"], notTags: ["y"] }),
      ["filter.anyTags.0", "filter.notTags.0"],
    ],
    ["an unknown attribute", () => ({ attributes: { town: "Pune" } }), ["filter.attributes.town"]],
    [
      "another project's campaign",
      (i) => ({ behaviour: [{ campaignId: i.other, did: "received" }] }),
      ["filter.behaviour.0.campaignId"],
    ],
    [
      "a campaign that does not exist",
      () => ({ behaviour: [{ campaignId: "cmp_missing", did: "read" }] }),
      ["filter.behaviour.0.campaignId"],
    ],
    [
      "a run of another campaign",
      (i) => ({ behaviour: [{ campaignId: i.campaign, runId: i.run, did: "received" }] }),
      ["filter.behaviour.0.runId"],
    ],
  ])("%s -> 400 naming it, nothing saved", async (_, filterOf, fields) => {
    const other = await newProject("other");
    const otherCampaign = await insertCampaign(other.id);
    const campaign = await insertCampaign(p.id);
    const runOfAnother = await insertRun(p.id, await insertCampaign(p.id));
    const filter = filterOf({ other: otherCampaign, run: runOfAnother, campaign });
    const result = await createAudience(p.manager, { id: "s", name: "S", filter });
    expectError(result, 400, "validation_failed", fields);
    expect((await createAudience(p.manager, { id: "s" })).status).toBe(400);
  });

  it.each([
    ["an empty filter", {}, ["filter"]],
    ["an unknown condition (a typo must not match everyone)", { tag: ["vip"] }, ["filter"]],
    ["an empty tag list", { tags: [] }, ["filter.tags"]],
    ["a non-boolean optedOut", { optedOut: "yes" }, ["filter.optedOut"]],
    ["an empty attributes object", { attributes: {} }, ["filter.attributes"]],
    ["a numeric attribute value", { attributes: { city: 5 } }, ["filter.attributes.city"]],
    ["an unknown behaviour", { behaviour: [{ campaignId: "c", did: "clicked" }] }, ["filter.behaviour.0.did"]],
    ["a behaviour without campaign", { behaviour: [{ did: "read" }] }, ["filter.behaviour.0.campaignId"]],
    [
      "a button on another behaviour",
      { behaviour: [{ campaignId: "c", did: "read", button: "Yes" }] },
      ["filter.behaviour.0.button"],
    ],
    [
      "11 behaviours",
      { behaviour: Array.from({ length: 11 }, () => ({ campaignId: "c", did: "read" })) },
      ["filter.behaviour"],
    ],
  ])("%s -> 400 naming the field", async (_, filter, fields) => {
    expectError(await createAudience(p.manager, { id: "s", name: "S", filter }), 400, "validation_failed", fields);
  });
});

describe("audiencePage over a segment", () => {
  it("pages by contact id with the largest filter the schema allows, within D1's parameter limit", async () => {
    const campaign = await insertCampaign(p.id);
    const run = await insertRun(p.id, campaign);
    const filter: SegmentFilter = {
      tags: ["vip"],
      anyTags: ["vip", "new"],
      notTags: ["new"],
      source: ["Shop", "Website lead"],
      attributes: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [i === 0 ? "city" : `a${i}`, ["Mumbai"]])),
      optedOut: false,
      behaviour: Array.from({ length: 10 }, () => ({
        campaignId: campaign,
        runId: run,
        did: "pressed" as const,
        button: "x",
      })),
    };
    // Only reachable as a stored filter: attributes a1..a9 are not defined, so the route would refuse it.
    const target = { kind: "segment" as const, pk: 0, id: "s", filter };
    expect(await audiencePage(db(), p.id, target, 0, 10)).toEqual({ contacts: [], after: null });
  });

  it.each<[string, SegmentFilter]>([
    ["tags", { tags: ["vip"], notTags: ["new"] }],
    ["one source", { source: "Website lead" }],
    ["several sources", { source: ["Shop", "Website lead"] }],
    ["attributes", { attributes: { city: ["Pune"] } }],
    ["opt-out", { optedOut: true }],
  ])("reads a bounded range of contacts by index, never the rest of the table (%s)", async (_, filter) => {
    const query = segmentPageQuery(db(), p.id, filter, 0, 500, sql`c.id, c.number`, SEGMENT_SCAN).getQuery();
    // `w`, `scan` and `page` are the statement's own results: the scan's ids and the page itself.
    const plan = await expectIndexed(query, "c", "contacts_project_(?:id|source)", ["w", "scan", "page"]);
    // The range has both ends: after the cursor, up to the scan's last id.
    expect(plan.find((step) => step.startsWith("SEARCH c "))).toMatch(/id>\? AND id<\?\)$/);
  });

  it("lists a segment that few contacts match in pages that read a bounded share, short pages carrying the cursor", async () => {
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO contacts (project_id, number, source, updated_at) SELECT ?, '+9195' || printf('%08d', i), 'Shop', 0 FROM n`,
    )
      .bind(SEGMENT_SCAN, p.id)
      .run();
    const [rare] = numbers(1, 70);
    await upsertOk(p.manager, { number: rare as string, source: "Rare" });
    await createAudienceOk(p.manager, { id: "rare", name: "Rare", filter: { source: ["Rare", "Gone"] } });
    const first = await audienceContacts(p.manager, { id: "rare", limit: 10 });
    // The first SEGMENT_SCAN contacts hold no match: an empty page, and the way on.
    expect(first.body).toMatchObject({ contacts: [], nextCursor: expect.any(String) });
    const second = await audienceContacts(p.manager, { id: "rare", limit: 10, cursor: first.body.nextCursor });
    expect(second.body.contacts.map((c: { number: string }) => c.number)).toEqual([rare]);
    expect(second.body.nextCursor).toBeNull();
    expect(await allAudienceNumbers(p.manager, "rare", 10)).toEqual([rare]);
  });

  it("returns each page after the last id, in id order, for the fan-out", async () => {
    const target = { kind: "segment" as const, pk: 0, id: "s", filter: { anyTags: ["vip", "new"] } };
    const first = await audiencePage(db(), p.id, target, 0, 2);
    expect(first.contacts.map((c) => c.number)).toEqual([A, B]);
    expect(first.after).toBe(first.contacts[1]?.id);
    const second = await audiencePage(db(), p.id, target, first.after ?? 0, 2);
    expect(second).toEqual({ contacts: [{ id: expect.any(Number), number: D, optedOut: false }], after: null });
  });
});
