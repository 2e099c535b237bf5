import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { runImportChunk } from "../../src/features/imports/job";
import { r2KeyOf } from "../../src/features/imports/store";
import { audiences, imports, variableGroups } from "../../src/platform/db/schema";
import { newId } from "../../src/platform/ids";
import { createLogger } from "../../src/platform/log";
import type { ImportJob } from "../../src/queues/contracts";
import { type CallResult, db, expectNoSecrets } from "../helpers";
import { eventually } from "../messages/messages.helpers";

export const AUDIENCE_FROM_FILE = "/v1/create/audience/from/file";
export const GROUP_FROM_FILE = "/v1/create/variable/group/from/file";

async function send(path: string, init: RequestInit): Promise<CallResult> {
  const response = await exports.default.fetch(new Request(`https://api.test${path}`, { method: "POST", ...init }));
  const text = await response.text();
  const body = response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
  const result = { status: response.status, headers: response.headers, body };
  expectNoSecrets(result, `POST ${path}`);
  return result;
}

/** A multipart upload, its parts in the order given (a string is a text field, a File the file). */
export function uploadForm(path: string, key: string | null, parts: [string, string | File][]) {
  const form = new FormData();
  for (const [name, value] of parts) form.append(name, value);
  return send(path, { headers: key ? { authorization: key } : {}, body: form });
}

export const csvFile = (text: string, name = "contacts.csv") => new File([text], name, { type: "text/csv" });

/** A raw CSV body with the fields as query parameters. */
export function uploadRaw(path: string, key: string, csv: BodyInit, query: Record<string, string>, type = "text/csv") {
  return send(`${path}?${new URLSearchParams(query)}`, {
    headers: { authorization: key, "content-type": type },
    body: csv,
  });
}

export const getImportStatus = async (key: string, importId: string) => {
  const response = await exports.default.fetch(
    new Request(`https://api.test/v1/imports/${importId}`, { headers: { authorization: key } }),
  );
  return { status: response.status, body: (await response.json()) as any };
};

/** Waits for the jobs queue to finish an import, and returns its status body. */
export async function finished(key: string, importId: string) {
  const result = await eventually(
    () => getImportStatus(key, importId),
    (r) => r.status === 200 && ["completed", "failed"].includes(r.body.import.status),
  );
  return result.body.import;
}

export const log = createLogger({}, "error");

/** Runs an import's chunks one after the other, as the queue would; returns how many ran. */
export async function runChunks(job: ImportJob) {
  let next: ImportJob | null = job;
  let chunks = 0;
  while (next) {
    next = await runImportChunk({ env, db: db(), log }, next);
    chunks += 1;
    expect(chunks, "the import does not end").toBeLessThan(10_000);
  }
  return chunks;
}

/**
 * An import as the upload route leaves it (file in R2, row queued, group/audience created), but
 * without its job queued, so that a test drives the chunks itself.
 */
export async function stagedImport(
  projectId: string,
  csv: string | Uint8Array,
  target: { kind: "audience"; audienceId: string } | { kind: "variable_group"; groupId: string; audienceId?: string },
) {
  const importId = newId("imp");
  const key = r2KeyOf(projectId, importId);
  const object = await env.FILES.put(key, csv);
  const now = Date.now();
  const audienceId = target.audienceId ?? null;
  const groupId = target.kind === "variable_group" ? target.groupId : null;
  const d = db();
  if (audienceId) {
    await d
      .insert(audiences)
      .values({ projectId, id: audienceId, name: audienceId, createdAt: now, updatedAt: now })
      .onConflictDoNothing();
  }
  if (groupId) {
    await d
      .insert(variableGroups)
      .values({ projectId, id: groupId, name: groupId, fields: [], createdAt: now, updatedAt: now })
      .onConflictDoNothing();
  }
  await d.insert(imports).values({
    id: importId,
    projectId,
    kind: target.kind,
    audienceId,
    groupId,
    r2Key: key,
    status: "queued",
    bytesTotal: object?.size ?? 0,
    createdAt: now,
    updatedAt: now,
  });
  return { kind: "import", importId, projectId, offset: 0 } satisfies ImportJob;
}

/** A variable group's values, by number, read from D1. */
export async function groupValues(projectId: string, groupId: string) {
  const { results } = await env.DB.prepare(
    `SELECT v.number, v."values" AS "values" FROM variable_values v JOIN variable_groups g ON g.pk = v.group_pk
     WHERE g.project_id = ? AND g.id = ? ORDER BY v.number`,
  )
    .bind(projectId, groupId)
    .all<{ number: string; values: string }>();
  return Object.fromEntries(results.map((r) => [r.number, JSON.parse(r.values)]));
}

/** An audience's members (number, name, source), read from D1. */
export async function audienceMembers(projectId: string, audienceId: string) {
  const { results } = await env.DB.prepare(
    `SELECT c.number, c.name, c.source FROM audience_members m JOIN audiences a ON a.pk = m.audience_pk
     JOIN contacts c ON c.id = m.contact_id WHERE a.project_id = ? AND a.id = ? ORDER BY c.number`,
  )
    .bind(projectId, audienceId)
    .all<{ number: string; name: string | null; source: string | null }>();
  return results;
}

export async function groupRow(projectId: string, groupId: string) {
  return env.DB.prepare("SELECT id, name, fields, kind FROM variable_groups WHERE project_id = ? AND id = ?")
    .bind(projectId, groupId)
    .first<{ id: string; name: string; fields: string; kind: string }>();
}

export async function audienceRow(projectId: string, audienceId: string) {
  return env.DB.prepare("SELECT id, name, filter FROM audiences WHERE project_id = ? AND id = ?")
    .bind(projectId, audienceId)
    .first<{ id: string; name: string; filter: string | null }>();
}

/** Every reject of an import, through the paginated route. */
export async function allRejects(key: string, importId: string, limit = 500) {
  const rejects: unknown[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=${limit}&cursor=${cursor}` : `?limit=${limit}`;
    const response = await exports.default.fetch(
      new Request(`https://api.test/v1/imports/${importId}/rejects${query}`, { headers: { authorization: key } }),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { rejects: unknown[]; nextCursor: string | null };
    rejects.push(...body.rejects);
    cursor = body.nextCursor;
  } while (cursor);
  return rejects;
}

/** An import's row as the chunks leave it: where it stands and what it counted. */
export async function importCounters(importId: string) {
  return env.DB.prepare(
    `SELECT status, bytes_read AS bytesRead, lines, rows_done AS rowsDone, rows_rejected AS rowsRejected
     FROM imports WHERE id = ?`,
  )
    .bind(importId)
    .first<{ status: string; bytesRead: number; lines: number; rowsDone: number; rowsRejected: number }>();
}

/** Every reject of an import, by line, read from D1. */
export async function storedRejects(importId: string) {
  const { results } = await env.DB.prepare(
    "SELECT line, number, reason FROM import_rejects WHERE import_id = ? ORDER BY line",
  )
    .bind(importId)
    .all<{ line: number; number: string | null; reason: string }>();
  return results;
}

/** A queue message that records what the handler decided. */
export function fakeMessage(body: unknown, attempts = 1) {
  const decisions: { ack: number; retry: (number | undefined)[] } = { ack: 0, retry: [] };
  const message = {
    id: "m1",
    timestamp: new Date(),
    attempts,
    body,
    ack: () => {
      decisions.ack += 1;
    },
    retry: (options?: QueueRetryOptions) => {
      decisions.retry.push(options?.delaySeconds);
    },
  } as unknown as Message<unknown>;
  return { message, decisions };
}

/** The Worker's bindings with a jobs queue that records what is put on it instead of queueing it. */
export function recordingJobs(base: Env = env) {
  const sent: unknown[] = [];
  const JOBS = {
    send: async (body: unknown) => void sent.push(body),
    sendBatch: async (batch: { body: unknown }[]) => void sent.push(...batch.map((m) => m.body)),
  } as unknown as Queue;
  return { env: { ...base, JOBS } as Env, sent };
}
