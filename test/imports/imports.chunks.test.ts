import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { handleImportMessage, runImportChunk } from "../../src/features/imports/job";
import { createDb } from "../../src/platform/db/client";
import type { ImportJob } from "../../src/queues/contracts";
import { runQueue } from "../delivery/pipeline.helpers";
import { db, newProject } from "../helpers";
import {
  allRejects,
  audienceMembers,
  fakeMessage,
  getImportStatus,
  groupValues,
  log,
  runChunks,
  stagedImport,
} from "./imports.helpers";

// 60 data rows: every 7th invalid, every 11th a repeat of an earlier number with new values,
// every 13th followed by a blank line, and one quoted cell spanning two lines.
function bigCsv() {
  const lines = ["\uFEFFnumber,first_name,city"];
  for (let i = 0; i < 60; i++) {
    if (i % 7 === 3) lines.push(`12${i},Bad,Nowhere`);
    else if (i % 11 === 10) lines.push(`+9198000${String(i - 10).padStart(5, "0")},Again${i},"Town, ${i}"`);
    else if (i === 20) lines.push(`+9198000${String(i).padStart(5, "0")},"Two\nLines",Pune`);
    else lines.push(`+9198000${String(i).padStart(5, "0")},Name${i},City${i}`);
    if (i % 13 === 12) lines.push("");
  }
  return `${lines.join("\r\n")}\r\n`;
}

async function outcome(key: string, projectId: string, importId: string, groupId: string, audienceId: string) {
  const status = (await getImportStatus(key, importId)).body.import;
  return {
    counts: {
      status: status.status,
      rowsDone: status.rowsDone,
      rowsRejected: status.rowsRejected,
      bytesRead: status.bytesRead,
      progress: status.progress,
    },
    rejects: await allRejects(key, importId),
    values: await groupValues(projectId, groupId),
    members: await audienceMembers(projectId, audienceId),
  };
}

describe("CSV imports: chunks", () => {
  it("imports across many chunks exactly what one chunk imports", async () => {
    const p = await newProject();
    const csv = bigCsv();
    const whole = await stagedImport(p.id, csv, { kind: "variable_group", groupId: "whole", audienceId: "whole" });
    expect(await runChunks(whole)).toBe(1);
    const parts = await stagedImport(p.id, csv, { kind: "variable_group", groupId: "parts", audienceId: "parts" });
    // 60 rows, 7 a chunk: 9 chunks, the last finding the end of the file.
    expect(await runChunks({ ...parts, chunkRows: 7 })).toBe(9);

    const one = await outcome(p.manager, p.id, whole.importId, "whole", "whole");
    const many = await outcome(p.manager, p.id, parts.importId, "parts", "parts");
    expect(many).toEqual(one);
    expect(one.counts).toEqual({
      status: "completed",
      rowsDone: 51,
      rowsRejected: 9,
      bytesRead: new TextEncoder().encode(csv).length,
      progress: 1,
    });
    expect(Object.keys(one.values)).toHaveLength(47);
    expect(one.values["+919800000011"]).toEqual({ first_name: "Again21", city: "Town, 21" });
    expect(one.values["+919800000020"]).toEqual({ first_name: "Two\nLines", city: "Pune" });
    expect(one.members).toHaveLength(47);
    // Lines: header 1; blank lines after rows 12, 25, 38, 51; row 20's record spans two lines.
    expect(one.rejects.slice(0, 4)).toEqual([
      { line: 5, number: "123", reason: "number is not a valid phone number" },
      { line: 12, number: "1210", reason: "number is not a valid phone number" },
      { line: 20, number: "1217", reason: "number is not a valid phone number" },
      { line: 28, number: "1224", reason: "number is not a valid phone number" },
    ]);
  });

  it("survives the same chunk delivered twice at once: one delivery goes on, the other stops", async () => {
    const p = await newProject();
    const csv = bigCsv();
    const reference = await stagedImport(p.id, csv, { kind: "variable_group", groupId: "ref", audienceId: "ref" });
    await runChunks(reference);
    const job = {
      ...(await stagedImport(p.id, csv, { kind: "variable_group", groupId: "twice", audienceId: "twice" })),
      chunkRows: 20,
    };
    const deps = { env, db: db(), log };
    const [a, b] = await Promise.all([runImportChunk(deps, job), runImportChunk(deps, job)]);
    const next = [a, b].filter((result) => result !== null);
    expect(next).toHaveLength(1);
    await runChunks(next[0] as ImportJob);
    const again = await outcome(p.manager, p.id, job.importId, "twice", "twice");
    const expected = await outcome(p.manager, p.id, reference.importId, "ref", "ref");
    expect(again).toEqual(expected);
  });

  it("answers a finished import's job by doing nothing", async () => {
    const p = await newProject();
    const job = await stagedImport(p.id, "number,first_name\n+919800000001,Asha\n", {
      kind: "variable_group",
      groupId: "once",
    });
    await runChunks(job);
    expect(await runImportChunk({ env, db: db(), log }, job)).toBeNull();
    expect((await getImportStatus(p.manager, job.importId)).body.import).toMatchObject({
      status: "completed",
      rowsDone: 1,
    });
  });
});

describe("CSV imports: the jobs queue handler", () => {
  it("is the jobs queue's consumer for kind import", async () => {
    const p = await newProject();
    const job = await stagedImport(p.id, "number,first_name\n+919800000001,Asha\n", {
      kind: "variable_group",
      groupId: "queued",
    });
    const result = await runQueue("wa-campaigns-jobs", [job]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(await groupValues(p.id, "queued")).toEqual({ "+919800000001": { first_name: "Asha" } });
  });

  it("acks a malformed message and an unknown import", async () => {
    for (const body of [{ kind: "import" }, { kind: "import", importId: "imp_nope", projectId: "prj_nope" }]) {
      const { message, decisions } = fakeMessage(body);
      await handleImportMessage(message, { env, db: db(), log });
      expect(decisions).toEqual({ ack: 1, retry: [] });
    }
  });

  it("fails the import, and acks, when its file is gone", async () => {
    const p = await newProject();
    const job = await stagedImport(p.id, "number,name\n+919800000001,Asha\n", { kind: "audience", audienceId: "gone" });
    await env.FILES.delete(`imports/${p.id}/${job.importId}.csv`);
    const { message, decisions } = fakeMessage(job);
    await handleImportMessage(message, { env, db: db(), log });
    expect(decisions).toEqual({ ack: 1, retry: [] });
    expect((await getImportStatus(p.manager, job.importId)).body.import).toMatchObject({
      status: "failed",
      error: "the uploaded file is no longer stored; upload it again",
    });
  });

  it("retries with a growing delay when D1 fails", async () => {
    const broken = createDb({
      prepare: () => {
        throw new Error("D1 is unavailable");
      },
    } as unknown as D1Database);
    const delays = [];
    for (const attempts of [1, 2, 3]) {
      const { message, decisions } = fakeMessage({ kind: "import", importId: "imp_x", projectId: "prj_x" }, attempts);
      await handleImportMessage(message, { env, db: broken, log });
      expect(decisions.ack).toBe(0);
      delays.push(...decisions.retry);
    }
    expect(delays).toEqual([5, 10, 20]);
  });
});
