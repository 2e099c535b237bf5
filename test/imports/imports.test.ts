import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runImportChunk } from "../../src/features/imports/job";
import type { ImportJob } from "../../src/queues/contracts";
import { db, ISO, newProject } from "../helpers";
import {
  AUDIENCE_FROM_FILE,
  allRejects,
  audienceMembers,
  audienceRow,
  csvFile,
  finished,
  GROUP_FROM_FILE,
  getImportStatus,
  groupRow,
  groupValues,
  log,
  runChunks,
  stagedImport,
  uploadForm,
  uploadRaw,
} from "./imports.helpers";

const IMPORT_ID = /^imp_[0-9a-f]{24}$/;
const bytes = (text: string) => new TextEncoder().encode(text).length;

// A spreadsheet export with everything that goes wrong in practice. Line numbers are physical
// lines of the file: the quoted newline in Ravi's row makes his record span lines 4 and 5.
const MESSY = `${[
  "\uFEFFNumber,first_name,city",
  '+919876543210,"Asha, the first",Pune',
  "",
  '9876543211,"Ravi\nKumar",Delhi',
  "12345,Meera,Goa",
  ",Nobody,Goa",
  "9876543212,,Mumbai",
  "   ",
  '+919876543213,"Said ""hi""",Chennai',
  "not a number,X,Y",
  ",,",
  "+919876543214,Zed,Agra,extra",
  "+919876543215,Asha,",
].join("\r\n")}\r\n`;

const MESSY_REJECTS = [
  { line: 6, number: "12345", reason: "number is not a valid phone number" },
  { line: 7, number: null, reason: "number is missing" },
  { line: 8, number: "9876543212", reason: "missing value for first_name" },
  { line: 11, number: "not a number", reason: "number is not a valid phone number" },
  { line: 13, number: "+919876543214", reason: "the row has 4 cells; the header has 3" },
  { line: 14, number: "+919876543215", reason: "missing value for city" },
];

describe("CSV imports: the reference document's examples", () => {
  it("creates a variable group and its audience from a file (fields after the file, as curl sends them)", async () => {
    const p = await newProject();
    const csv = "number,first_name,last_name\n+919876543210,John,Doe\n+919876543211,Jane,Roe\n";
    const result = await uploadForm(GROUP_FROM_FILE, p.manager, [
      ["file", csvFile(csv, "TFG June Invite - File Drop 2 Variables.xlsx - Sheet1.csv")],
      ["name", "large_group_10k_2"],
      ["id", "large_group_10k_2"],
      ["audienceId", "30k"],
    ]);
    expect(result.status, JSON.stringify(result.body)).toBe(202);
    expect(result.body).toEqual({
      status: "success",
      import: {
        id: expect.stringMatching(IMPORT_ID),
        kind: "variable_group",
        status: "queued",
        audienceId: "30k",
        groupId: "large_group_10k_2",
        rowsDone: 0,
        rowsRejected: 0,
        bytesRead: 0,
        bytesTotal: bytes(csv),
        progress: 0,
        ignoredColumns: [],
        error: null,
        createdAt: expect.stringMatching(ISO),
        finishedAt: null,
      },
    });
    const done = await finished(p.manager, result.body.import.id);
    expect(done).toMatchObject({ status: "completed", rowsDone: 2, rowsRejected: 0, progress: 1, rejects: [] });
    expect(done.finishedAt).toMatch(ISO);
    expect(await groupValues(p.id, "large_group_10k_2")).toEqual({
      "+919876543210": { first_name: "John", last_name: "Doe" },
      "+919876543211": { first_name: "Jane", last_name: "Roe" },
    });
    expect(await groupRow(p.id, "large_group_10k_2")).toEqual({
      id: "large_group_10k_2",
      name: "large_group_10k_2",
      fields: JSON.stringify(["first_name", "last_name"]),
      kind: "values",
    });
    expect(await audienceRow(p.id, "30k")).toEqual({ id: "30k", name: "30k", filter: null });
    expect(await audienceMembers(p.id, "30k")).toEqual([
      { number: "+919876543210", name: null, source: null },
      { number: "+919876543211", name: null, source: null },
    ]);
  });

  it("adds contacts to an audience from a file (fields before the file)", async () => {
    const p = await newProject();
    const csv = "phone,name,source,plan\n+919876543210,Asha,Website lead,gold\n09876543211,Ravi,,silver\n";
    const result = await uploadForm(AUDIENCE_FROM_FILE, p.manager, [
      ["name", "testos"],
      ["id", "testos"],
      ["file", csvFile(csv, "TFG (2000) Variable Group Values Upload.xlsx - Sheet1.csv")],
    ]);
    expect(result.status, JSON.stringify(result.body)).toBe(202);
    expect(result.body.import).toMatchObject({ kind: "audience", audienceId: "testos", groupId: null });
    const done = await finished(p.manager, result.body.import.id);
    expect(done).toMatchObject({ status: "completed", rowsDone: 2, rowsRejected: 0, ignoredColumns: ["plan"] });
    expect(await audienceRow(p.id, "testos")).toEqual({ id: "testos", name: "testos", filter: null });
    expect(await audienceMembers(p.id, "testos")).toEqual([
      { number: "+919876543210", name: "Asha", source: "Website lead" },
      { number: "+919876543211", name: "Ravi", source: null },
    ]);
  });
});

describe("CSV imports: parsing and rejects", () => {
  it("imports a messy file (BOM, CRLF, quoted commas and newlines, blank lines) with an exact rejects report", async () => {
    const p = await newProject();
    const result = await uploadForm(GROUP_FROM_FILE, p.manager, [
      ["id", "users"],
      ["name", "users"],
      ["file", csvFile(MESSY)],
    ]);
    expect(result.status, JSON.stringify(result.body)).toBe(202);
    const done = await finished(p.manager, result.body.import.id);
    expect(done).toEqual({
      ...result.body.import,
      status: "completed",
      rowsDone: 3,
      rowsRejected: 6,
      bytesRead: bytes(MESSY),
      bytesTotal: bytes(MESSY),
      progress: 1,
      finishedAt: expect.stringMatching(ISO),
      rejects: MESSY_REJECTS,
    });
    expect(await allRejects(p.manager, done.id, 4)).toEqual(MESSY_REJECTS);
    expect(await groupValues(p.id, "users")).toEqual({
      "+919876543210": { first_name: "Asha, the first", city: "Pune" },
      "+919876543211": { first_name: "Ravi\nKumar", city: "Delhi" },
      "+919876543213": { first_name: 'Said "hi"', city: "Chennai" },
    });
  });

  it("merges a number given twice, later values winning field by field, and extends the group's fields", async () => {
    const p = await newProject();
    const first = await uploadForm(GROUP_FROM_FILE, p.manager, [
      ["id", "users"],
      ["name", "users"],
      ["file", csvFile("number,first_name,plan\n+919800000001,Asha,gold\n+919800000002,Ravi,silver\n")],
    ]);
    await finished(p.manager, first.body.import.id);
    const csv =
      "Mobile,first_name,city\n+919800000001,Asha,Pune\n+919800000003,Meera,Goa\n+91 98000 00001,Asha K,Mumbai\n";
    const second = await uploadRaw(GROUP_FROM_FILE, p.manager, csv, { id: "users", name: "users" });
    expect(second.status, JSON.stringify(second.body)).toBe(202);
    expect(await finished(p.manager, second.body.import.id)).toMatchObject({ rowsDone: 3, rowsRejected: 0 });
    expect(await groupValues(p.id, "users")).toEqual({
      "+919800000001": { first_name: "Asha K", plan: "gold", city: "Mumbai" },
      "+919800000002": { first_name: "Ravi", plan: "silver" },
      "+919800000003": { first_name: "Meera", city: "Goa" },
    });
    expect(JSON.parse((await groupRow(p.id, "users"))?.fields ?? "null")).toEqual(["first_name", "plan", "city"]);
  });

  it("merges repeated numbers of an audience file, keeping an earlier name when a later row has none", async () => {
    const p = await newProject();
    const csv = "number,name,source\n+919800000001,Asha,ads\n+919800000001,,referral\n+919800000002,Ravi,\n";
    const result = await uploadRaw(AUDIENCE_FROM_FILE, p.manager, csv, { id: "leads", name: "Leads" });
    expect(await finished(p.manager, result.body.import.id)).toMatchObject({ rowsDone: 3, rowsRejected: 0 });
    expect(await audienceMembers(p.id, "leads")).toEqual([
      { number: "+919800000001", name: "Asha", source: "referral" },
      { number: "+919800000002", name: "Ravi", source: null },
    ]);
    expect(await audienceRow(p.id, "leads")).toEqual({ id: "leads", name: "Leads", filter: null });
  });

  it("fails an import whose file is not UTF-8", async () => {
    const p = await newProject();
    // A Latin-1 é (the one byte 0xE9), as Excel's plain "CSV" saves it.
    const raw = new TextEncoder().encode("number,name\n+919800000001,Asha\n+919800000002,Jos?\n");
    raw[raw.length - 2] = 0xe9;
    const job = await stagedImport(p.id, raw, { kind: "audience", audienceId: "latin1" });
    await runChunks(job);
    const status = await getImportStatus(p.manager, job.importId);
    expect(status.body.import).toMatchObject({
      status: "failed",
      error: "the file is not UTF-8 text (save it as “CSV UTF-8”)",
    });
  });
});

describe("CSV imports: status and listing", () => {
  it("reports progress part-way, then the first 20 rejects inline and all of them by page", async () => {
    const p = await newProject();
    const lines = ["number,first_name"];
    for (let i = 0; i < 30; i++)
      lines.push(i % 2 === 0 ? `+9198000${String(i).padStart(5, "0")},N${i}` : `bad${i},N${i}`);
    const csv = `${lines.join("\n")}\n`;
    const job = await stagedImport(p.id, csv, { kind: "variable_group", groupId: "progress" });
    const next = await runImportChunk({ env, db: db(), log }, { ...job, chunkRows: 10 });
    const midway = (await getImportStatus(p.manager, job.importId)).body.import;
    const tenRows = bytes(`${lines.slice(0, 11).join("\n")}\n`);
    expect(next).toEqual({ ...job, chunkRows: 10, offset: tenRows });
    expect(midway).toMatchObject({
      status: "running",
      rowsDone: 5,
      rowsRejected: 5,
      bytesRead: tenRows,
      bytesTotal: bytes(csv),
      progress: tenRows / bytes(csv),
      finishedAt: null,
    });
    await runChunks(next as ImportJob);
    const done = (await getImportStatus(p.manager, job.importId)).body.import;
    expect(done).toMatchObject({ status: "completed", rowsDone: 15, rowsRejected: 15, progress: 1 });
    const expected = Array.from({ length: 15 }, (_, k) => ({
      line: 2 * k + 3,
      number: `bad${2 * k + 1}`,
      reason: "number is not a valid phone number",
    }));
    expect(done.rejects).toEqual(expected.slice(0, 20));
    const pages = await allRejects(p.manager, job.importId, 4);
    expect(pages).toEqual(expected);
  });

  it("lists the project's imports, oldest first, by page", async () => {
    const p = await newProject();
    const ids: string[] = [];
    for (const id of ["a", "b", "c"]) {
      const result = await uploadRaw(AUDIENCE_FROM_FILE, p.manager, "number\n+919800000001\n", { id, name: id });
      ids.push(result.body.import.id);
    }
    const first = await uploadRaw(AUDIENCE_FROM_FILE, p.manager, "number\n+919800000001\n", { id: "d", name: "d" });
    ids.push(first.body.import.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=3&cursor=${cursor}` : "?limit=3";
      const response = await exports.default.fetch(
        new Request(`https://api.test/v1/imports${query}`, { headers: { authorization: p.manager } }),
      );
      const body = (await response.json()) as any;
      expect(response.status).toBe(200);
      expect(body.status).toBe("success");
      seen.push(...body.imports.map((i: { id: string }) => i.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });
});
