import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { StoredStatusEvent } from "../../src/features/templates/meta-state";
import { applyTemplateStatusUpdate, type TemplateStatusUpdate } from "../../src/features/templates/status";
import { insertTemplate } from "../../src/features/templates/store";
import { createDb } from "../../src/platform/db/client";
import type { TemplateStatus } from "../../src/whatsapp/provider";
import { call, newProject, type Project } from "../helpers";
import { createOk, minimal, setAccount, templateRows } from "./templates.helpers";

const db = createDb(env.DB);

let p: Project;
let waba: string;
beforeEach(async () => {
  p = await newProject("template status");
  // A project without an account sends through the sandbox, on a WABA id derived from the project.
  waba = `sandbox-${p.id}`;
});

async function insert(
  projectId: string,
  options: { name?: string; language?: string; status?: TemplateStatus; providerTemplateId?: string } = {},
) {
  const row = await insertTemplate(db, projectId, {
    definition: {
      name: options.name ?? "order_shipped",
      language: options.language ?? "en_US",
      category: "UTILITY",
      body: { text: "Hello {{1}}." },
    },
    status: options.status ?? "PENDING",
    rejectedReason: null,
    providerTemplateId: options.providerTemplateId ?? "1001",
  });
  if (!row) throw new Error("insert failed");
  return row;
}

const apply = (update: Partial<TemplateStatusUpdate> & { event: string }) =>
  applyTemplateStatusUpdate(db, { wabaId: waba, providerTemplateId: "1001", ...update });

/** The change a row went through, as applyTemplateStatusUpdate reports it. */
const change = (
  row: { id: string; projectId: string; name?: string; language?: string },
  before: [TemplateStatus, string | null],
  after: [TemplateStatus, string | null] | null,
) => ({
  id: row.id,
  projectId: row.projectId,
  name: row.name ?? "order_shipped",
  language: row.language ?? "en_US",
  before: { status: before[0], rejectedReason: before[1] },
  after: after && { status: after[0], rejectedReason: after[1] },
});

async function statusOf(projectId: string) {
  return (await templateRows(projectId)).map((r) => [r.status, r.rejected_reason]);
}

describe("applyTemplateStatusUpdate", () => {
  it("follows APPROVED → PAUSED → DISABLED, and the API shows each state", async () => {
    const created = await createOk(p.manager, minimal());
    const [row] = await templateRows(p.id);
    const ref = { id: created.id, projectId: p.id };
    const providerTemplateId = row?.provider_template_id ?? "";

    expect(await apply({ providerTemplateId, event: "PAUSED", reason: "Low quality: many blocks" })).toEqual({
      event: "PAUSED",
      matched: 1,
      changes: [change(ref, ["APPROVED", null], ["PAUSED", "Low quality: many blocks"])],
    });
    const paused = await call("GET", `/v1/templates/${created.id}`, { key: p.sender });
    expect(paused.body).toMatchObject({ status: "PAUSED", rejectedReason: "Low quality: many blocks" });

    expect(await apply({ providerTemplateId, event: "DISABLED", reason: "NONE" })).toEqual({
      event: "DISABLED",
      matched: 1,
      changes: [change(ref, ["PAUSED", "Low quality: many blocks"], ["DISABLED", null])],
    });
    const disabled = await call("GET", "/v1/templates?status=DISABLED", { key: p.sender });
    expect(disabled.body.data.map((t: { id: string; rejectedReason: null }) => [t.id, t.rejectedReason])).toEqual([
      [created.id, null],
    ]);
  });

  it("records a rejection with Meta's reason, keeps it through an appeal, clears it on approval", async () => {
    const row = await insert(p.id);
    expect(await apply({ event: "REJECTED", reason: "INVALID_FORMAT" })).toEqual({
      event: "REJECTED",
      matched: 1,
      changes: [change(row, ["PENDING", null], ["REJECTED", "INVALID_FORMAT"])],
    });
    expect(await apply({ event: "IN_APPEAL", reason: null })).toEqual({
      event: "IN_APPEAL",
      matched: 1,
      changes: [change(row, ["REJECTED", "INVALID_FORMAT"], ["PENDING", "INVALID_FORMAT"])],
    });
    expect(await apply({ event: "APPROVED", reason: "NONE" })).toEqual({
      event: "APPROVED",
      matched: 1,
      changes: [change(row, ["PENDING", "INVALID_FORMAT"], ["APPROVED", null])],
    });
    expect(await statusOf(p.id)).toEqual([["APPROVED", null]]);
  });

  it("changes nothing when the same event comes twice", async () => {
    const row = await insert(p.id);
    await apply({ event: "REJECTED", reason: "SCAM" });
    const before = await templateRows(p.id);
    expect(await apply({ event: "REJECTED", reason: "SCAM" })).toEqual({ event: "REJECTED", matched: 1, changes: [] });
    expect(await templateRows(p.id)).toEqual(before);
    expect(before.map((r) => r.id)).toEqual([row.id]);
  });

  it("keeps a FLAGGED template approved, and REINSTATED makes a disabled one approved again", async () => {
    const row = await insert(p.id, { status: "APPROVED" });
    expect(await apply({ event: "FLAGGED", reason: null })).toEqual({ event: "FLAGGED", matched: 1, changes: [] });
    expect(await statusOf(p.id)).toEqual([["APPROVED", null]]);
    await apply({ event: "DISABLED", reason: "Quality rating low" });
    expect(await apply({ event: "REINSTATED" })).toEqual({
      event: "REINSTATED",
      matched: 1,
      changes: [change(row, ["DISABLED", "Quality rating low"], ["APPROVED", null])],
    });
  });

  it("treats ARCHIVED as DISABLED and UNARCHIVED as APPROVED; LOCKED changes nothing", async () => {
    const row = await insert(p.id, { status: "APPROVED" });
    expect((await apply({ event: "ARCHIVED" })).changes).toEqual([change(row, ["APPROVED", null], ["DISABLED", null])]);
    expect((await apply({ event: "LOCKED" })).changes).toEqual([]);
    expect((await apply({ event: "UNARCHIVED" })).changes).toEqual([
      change(row, ["DISABLED", null], ["APPROVED", null]),
    ]);
  });

  it("reads the event case-insensitively", async () => {
    const row = await insert(p.id);
    expect(await apply({ event: "approved" })).toEqual({
      event: "APPROVED",
      matched: 1,
      changes: [change(row, ["PENDING", null], ["APPROVED", null])],
    });
  });

  it.each(["PENDING_DELETION", "DELETED"])("removes the row on %s", async (event) => {
    const row = await insert(p.id, { status: "APPROVED" });
    const keep = await insert(p.id, { name: "other", providerTemplateId: "2002" });
    expect(await apply({ event })).toEqual({
      event,
      matched: 1,
      changes: [change(row, ["APPROVED", null], null)],
    });
    expect((await templateRows(p.id)).map((r) => r.id)).toEqual([keep.id]);
    expect((await call("GET", `/v1/templates/${row.id}`, { key: p.manager })).status).toBe(404);
    // A repeated deletion finds nothing.
    expect(await apply({ event })).toEqual({ event, matched: 0, changes: [], ignored: "not_found" });
  });

  it("finds the template by name and language when the provider id is unknown or missing", async () => {
    const row = await insert(p.id, { providerTemplateId: "1001" });
    const pt = await insert(p.id, { language: "pt_BR", providerTemplateId: "1002" });
    expect(
      await apply({ providerTemplateId: "", name: "order_shipped", language: "en_US", event: "APPROVED" }),
    ).toEqual({ event: "APPROVED", matched: 1, changes: [change(row, ["PENDING", null], ["APPROVED", null])] });
    expect(
      (await apply({ providerTemplateId: "9999", name: "order_shipped", language: "pt_BR", event: "REJECTED" }))
        .changes,
    ).toEqual([change(pt, ["PENDING", null], ["REJECTED", null])]);
    expect(await statusOf(p.id)).toEqual([
      ["APPROVED", null],
      ["REJECTED", null],
    ]);
  });

  it("ignores an event it does not know, changing nothing", async () => {
    await insert(p.id);
    const before = await templateRows(p.id);
    expect(await apply({ event: "SOMETHING_NEW" })).toEqual({
      event: "SOMETHING_NEW",
      matched: 0,
      changes: [],
      ignored: "unknown_event",
    });
    expect(await templateRows(p.id)).toEqual(before);
  });

  it("reports a template it cannot find", async () => {
    await insert(p.id);
    expect(await apply({ providerTemplateId: "5555", name: "nope", language: "en_US", event: "APPROVED" })).toEqual({
      event: "APPROVED",
      matched: 0,
      changes: [],
      ignored: "not_found",
    });
    expect(await statusOf(p.id)).toEqual([["PENDING", null]]);
  });

  it("updates every project on a shared WhatsApp Business Account", async () => {
    const q = await newProject("shares the WABA");
    const shared = `waba-shared-${p.id}`;
    await setAccount(p.id, { provider: "meta", wabaId: shared });
    await setAccount(q.id, { provider: "meta", wabaId: shared });
    const a = await insert(p.id, { providerTemplateId: `x-${p.id}` });
    const b = await insert(q.id, { providerTemplateId: `x-${p.id}` });
    const result = await applyTemplateStatusUpdate(db, {
      wabaId: shared,
      providerTemplateId: `x-${p.id}`,
      event: "APPROVED",
    });
    expect(result.matched).toBe(2);
    expect(result.changes).toEqual(
      expect.arrayContaining([
        change(a, ["PENDING", null], ["APPROVED", null]),
        change(b, ["PENDING", null], ["APPROVED", null]),
      ]),
    );
    expect(result.changes).toHaveLength(2);
  });
});

describe("applyTemplateStatusUpdate stays within the WhatsApp Business Account", () => {
  it("does not touch another project's template with the same provider id, name and language", async () => {
    const victim = await newProject("victim");
    await insert(victim.id, { providerTemplateId: "1001" });
    const before = await templateRows(victim.id);
    // An update for p's account, naming a template only the victim has.
    expect(await apply({ name: "order_shipped", language: "en_US", event: "DISABLED" })).toEqual({
      event: "DISABLED",
      matched: 0,
      changes: [],
      ignored: "not_found",
    });
    expect(await templateRows(victim.id)).toEqual(before);
  });

  it("refuses an update whose verifying project is not on that account", async () => {
    const other = await newProject("other");
    await insert(p.id);
    expect(await apply({ event: "DISABLED", projectId: other.id })).toEqual({
      event: "DISABLED",
      matched: 0,
      changes: [],
      ignored: "unknown_account",
    });
    expect(await statusOf(p.id)).toEqual([["PENDING", null]]);
    expect((await apply({ event: "APPROVED", projectId: p.id })).changes).toHaveLength(1);
  });

  it("does not read a sandbox-style WABA id as a project that has an account of its own", async () => {
    await setAccount(p.id, { provider: "meta", wabaId: `real-${p.id}` });
    await insert(p.id);
    expect(await apply({ event: "DISABLED" })).toEqual({
      event: "DISABLED",
      matched: 0,
      changes: [],
      ignored: "unknown_account",
    });
    expect(
      (await applyTemplateStatusUpdate(db, { wabaId: `real-${p.id}`, providerTemplateId: "1001", event: "APPROVED" }))
        .changes,
    ).toHaveLength(1);
  });

  it("reports an account it does not know", async () => {
    expect(
      await applyTemplateStatusUpdate(db, { wabaId: "no-such-waba", providerTemplateId: "1", event: "APPROVED" }),
    ).toEqual({
      event: "APPROVED",
      matched: 0,
      changes: [],
      ignored: "unknown_account",
    });
  });
});

describe("applyTemplateStatusUpdate keeps Meta's detail", () => {
  const event = (name: string, extra: Partial<StoredStatusEvent> = {}): StoredStatusEvent => ({
    event: name,
    reason: null,
    disableDate: null,
    title: null,
    description: null,
    at: 1_764_566_400_000,
    ...extra,
  });
  const info = { reason: "Too many variables for its length.", recommendation: "Add more text." };
  const detailOf = async (id: string) =>
    env.DB.prepare("SELECT rejection_info, status_event FROM templates WHERE id = ?")
      .bind(id)
      .first<{ rejection_info: string | null; status_event: string | null }>();

  it("keeps the rejection info through an appeal and clears it on approval", async () => {
    const row = await insert(p.id);
    await apply({
      event: "REJECTED",
      reason: "INVALID_FORMAT",
      detail: { rejectionInfo: info, statusEvent: event("REJECTED") },
    });
    expect(JSON.parse((await detailOf(row.id))?.rejection_info ?? "null")).toEqual(info);
    await apply({ event: "IN_APPEAL", detail: { rejectionInfo: null, statusEvent: event("IN_APPEAL") } });
    expect(JSON.parse((await detailOf(row.id))?.rejection_info ?? "null")).toEqual(info);
    await apply({ event: "APPROVED", detail: { rejectionInfo: null, statusEvent: event("APPROVED") } });
    const after = await detailOf(row.id);
    expect(after?.rejection_info).toBeNull();
    expect(JSON.parse(after?.status_event ?? "null")).toEqual(event("APPROVED"));
  });

  it("records FLAGGED, which changes no status, with its disable date", async () => {
    const row = await insert(p.id, { status: "APPROVED" });
    const flagged = event("FLAGGED", { disableDate: "1765171200" });
    expect(await apply({ event: "FLAGGED", detail: { rejectionInfo: null, statusEvent: flagged } })).toEqual({
      event: "FLAGGED",
      matched: 1,
      changes: [],
    });
    expect(JSON.parse((await detailOf(row.id))?.status_event ?? "null")).toEqual(flagged);
    expect(await statusOf(p.id)).toEqual([["APPROVED", null]]);
  });
});
