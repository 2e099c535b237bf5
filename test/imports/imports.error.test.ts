import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { expectError, newProject } from "../helpers";
import {
  AUDIENCE_FROM_FILE,
  audienceRow,
  csvFile,
  GROUP_FROM_FILE,
  getImportStatus,
  groupRow,
  stagedImport,
  uploadForm,
  uploadRaw,
} from "./imports.helpers";

const CSV = "number,first_name\n+919800000001,Asha\n";

async function importCount(projectId: string) {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM imports WHERE project_id = ?")
    .bind(projectId)
    .first<{ n: number }>();
  return row?.n;
}

async function storedFiles(projectId: string) {
  return (await env.FILES.list({ prefix: `imports/${projectId}/` })).objects.length;
}

describe("CSV imports: bad uploads", () => {
  it.each([
    [
      "file",
      [
        ["name", "users"],
        ["id", "users"],
      ],
    ],
    [
      "name",
      [
        ["id", "users"],
        ["file", csvFile(CSV)],
      ],
    ],
    [
      "id",
      [
        ["file", csvFile(CSV)],
        ["name", "users"],
      ],
    ],
  ] as const)("400s a form without %s, naming it, and writes nothing", async (field, parts) => {
    const p = await newProject();
    const result = await uploadForm(
      GROUP_FROM_FILE,
      p.manager,
      parts.map(([n, v]) => [n, v]),
    );
    expectError(result, 400, "validation_failed", [field]);
    expect(await importCount(p.id)).toBe(0);
    expect(await storedFiles(p.id)).toBe(0);
    expect(await groupRow(p.id, "users")).toBeNull();
  });

  it("names every missing field at once, in the query for a raw CSV body", async () => {
    const p = await newProject();
    const result = await uploadRaw(AUDIENCE_FROM_FILE, p.manager, CSV, {});
    expectError(result, 400, "validation_failed", ["name", "id"]);
    expect(result.body.error.fields.map((f: { in: string }) => f.in)).toEqual(["query", "query"]);
  });

  it.each([
    ["id", { id: "bad id!", name: "x" }],
    ["name", { id: "ok", name: "x".repeat(201) }],
    ["audienceId", { id: "ok", name: "x", audienceId: "no/slash" }],
  ])("400s an invalid %s", async (field, fields) => {
    const p = await newProject();
    const form = await uploadForm(GROUP_FROM_FILE, p.manager, [...Object.entries(fields), ["file", csvFile(CSV)]]);
    expectError(form, 400, "validation_failed", [field]);
    expect(form.body.error.fields[0].in).toBe("body");
    const raw = await uploadRaw(GROUP_FROM_FILE, p.manager, CSV, fields);
    expectError(raw, 400, "validation_failed", [field]);
    expect(raw.body.error.fields[0].in).toBe("query");
    expect(await storedFiles(p.id)).toBe(0);
  });

  it.each([
    ["an empty file", "", "file: is empty"],
    ["only blank lines", "\n\r\n\n", "file: has no header row"],
    ["no number column", "name,city\nAsha,Pune\n", "file: the header row has no phone number column"],
    [
      "a bad variable name",
      "number,first.name\n+919800000001,Asha\n",
      'file: column "first.name" is not a valid variable name',
    ],
    ["a repeated variable", "number,city,city \n+919800000001,Pune,Pune\n", 'file: column "city" appears twice'],
    ["a second number column", "number,city,number\n+919800000001,Pune,x\n", 'file: column "number"'],
    [
      "a variable named __proto__",
      "number,__proto__\n+919800000001,x\n",
      'file: column "__proto__" is not a valid variable name',
    ],
    ["no variables", "number\n+919800000001\n", "file: the header row names no variables"],
    [
      "more variables than a group may have",
      `number,${Array.from({ length: 51 }, (_, i) => `v${i}`).join(",")}\n+919800000001${",x".repeat(51)}\n`,
      "file: the header row names more than 50 variables",
    ],
    ["Latin-1 text", "number,name\n+919800000001,Jos\u00e9\n", "file: the file is not UTF-8 text"],
  ])("400s a variable-group file with %s", async (_label, text, message) => {
    const p = await newProject();
    const body = text.includes("\u00e9") ? Uint8Array.from([...text].map((c) => c.charCodeAt(0))) : text;
    const result = await uploadRaw(GROUP_FROM_FILE, p.manager, body, { id: "users", name: "users" });
    expectError(result, 400, "validation_failed", ["file"]);
    expect(result.body.error.message).toContain(message);
    expect(await importCount(p.id)).toBe(0);
    expect(await storedFiles(p.id)).toBe(0);
  });

  it("400s the reserved audience id all", async () => {
    const p = await newProject();
    expectError(
      await uploadRaw(AUDIENCE_FROM_FILE, p.manager, CSV, { id: "all", name: "All" }),
      400,
      "validation_failed",
      ["id"],
    );
    expectError(
      await uploadRaw(GROUP_FROM_FILE, p.manager, CSV, { id: "g", name: "g", audienceId: "all" }),
      400,
      "validation_failed",
      ["audienceId"],
    );
  });

  it.each([
    ["application/json", '{"number":"+919800000001"}'],
    ["text/plain", CSV],
    ["application/x-www-form-urlencoded", "id=x&name=y"],
  ])("415s a body sent as %s", async (type, body) => {
    const p = await newProject();
    expectError(
      await uploadRaw(AUDIENCE_FROM_FILE, p.manager, body, { id: "a", name: "a" }, type),
      415,
      "unsupported_media_type",
    );
  });

  it("413s a request declaring more than 500 MB, before reading it", async () => {
    const p = await newProject();
    const response = await exports.default.fetch(
      new Request(`https://api.test${AUDIENCE_FROM_FILE}?id=a&name=a`, {
        method: "POST",
        headers: { authorization: p.manager, "content-type": "text/csv", "content-length": String(501 * 1024 * 1024) },
        body: new ReadableStream({ start: (c) => c.close() }),
        duplex: "half",
      } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect(((await response.json()) as any).error).toEqual({
      code: "payload_too_large",
      message: "file: is larger than 500 MB; split it into several imports",
    });
  });

  it("400s a second file part and a malformed multipart body", async () => {
    const p = await newProject();
    expectError(
      await uploadForm(AUDIENCE_FROM_FILE, p.manager, [
        ["id", "a"],
        ["name", "a"],
        ["file", csvFile(CSV)],
        ["file", csvFile(CSV)],
      ]),
      400,
      "validation_failed",
      ["file"],
    );
    const response = await exports.default.fetch(
      new Request(`https://api.test${AUDIENCE_FROM_FILE}`, {
        method: "POST",
        headers: { authorization: p.manager, "content-type": "multipart/form-data; boundary=xyz" },
        body: '--xyz\r\nContent-Disposition: form-data; name="id"\r\n\r\na\r\n',
      }),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.code).toBe("bad_request");
    expect(await storedFiles(p.id)).toBe(0);
  });
});

describe("CSV imports: conflicts", () => {
  it("409s filling a segment audience", async () => {
    const p = await newProject();
    const now = Date.now();
    await env.DB.prepare(
      "INSERT INTO audiences (project_id, id, name, filter, created_at, updated_at) VALUES (?, 'vip', 'VIP', '{}', ?, ?)",
    )
      .bind(p.id, now, now)
      .run();
    expectError(await uploadRaw(AUDIENCE_FROM_FILE, p.manager, CSV, { id: "vip", name: "VIP" }), 409, "conflict");
    expectError(
      await uploadRaw(GROUP_FROM_FILE, p.manager, CSV, { id: "g", name: "g", audienceId: "vip" }),
      409,
      "conflict",
    );
    expect(await groupRow(p.id, "g")).toBeNull();
    expect(await storedFiles(p.id)).toBe(0);
  });

  it("409s a name another audience or variable group already has", async () => {
    const p = await newProject();
    const a = await uploadRaw(AUDIENCE_FROM_FILE, p.manager, CSV, { id: "one", name: "Shared" });
    expect(a.status).toBe(202);
    expectError(await uploadRaw(AUDIENCE_FROM_FILE, p.manager, CSV, { id: "two", name: "Shared" }), 409, "conflict");
    expect(await audienceRow(p.id, "two")).toBeNull();
    const g = await uploadRaw(GROUP_FROM_FILE, p.manager, CSV, { id: "g1", name: "users" });
    expect(g.status).toBe(202);
    expectError(await uploadRaw(GROUP_FROM_FILE, p.manager, CSV, { id: "g2", name: "users" }), 409, "conflict");
  });

  it("409s importing into a campaign's input group", async () => {
    const p = await newProject();
    const now = Date.now();
    await env.DB.prepare(
      "INSERT INTO variable_groups (project_id, id, name, fields, kind, campaign_id, created_at, updated_at) VALUES (?, 'input_c1', 'c1', '[]', 'input', 'c1', ?, ?)",
    )
      .bind(p.id, now, now)
      .run();
    expectError(await uploadRaw(GROUP_FROM_FILE, p.manager, CSV, { id: "input_c1", name: "c1" }), 409, "conflict");
  });
});

describe("CSV imports: credentials, roles and tenancy", () => {
  const routes = (importId: string) => [
    ["POST", AUDIENCE_FROM_FILE],
    ["POST", GROUP_FROM_FILE],
    ["GET", "/v1/imports"],
    ["GET", `/v1/imports/${importId}`],
    ["GET", `/v1/imports/${importId}/rejects`],
  ];

  async function call(method: string, path: string, key: string | null) {
    const headers: Record<string, string> = key ? { authorization: key } : {};
    if (method === "POST") headers["content-type"] = "text/csv";
    const response = await exports.default.fetch(
      new Request(`https://api.test${path}${method === "POST" ? "?id=a&name=a" : ""}`, {
        method,
        headers,
        body: method === "POST" ? CSV : undefined,
      }),
    );
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  }

  it("401s without a key and 403s a sender key, storing nothing", async () => {
    const p = await newProject();
    const job = await stagedImport(p.id, CSV, { kind: "variable_group", groupId: "g" });
    for (const [method, path] of routes(job.importId)) {
      expectError(await call(method as string, path as string, null), 401, "unauthorized");
      expectError(await call(method as string, path as string, p.sender), 403, "forbidden");
    }
    expect(await storedFiles(p.id)).toBe(1);
  });

  it("404s another project's import, exactly as an unknown one, and lists only the project's own", async () => {
    const owner = await newProject();
    const other = await newProject();
    const job = await stagedImport(owner.id, CSV, { kind: "variable_group", groupId: "g" });
    for (const path of [`/v1/imports/${job.importId}`, `/v1/imports/${job.importId}/rejects`]) {
      const theirs = await call("GET", path, other.manager);
      const unknown = await call("GET", path.replace(job.importId, "imp_000000000000000000000000"), other.manager);
      expectError(theirs, 404, "not_found");
      expect(theirs.body.error).toEqual(unknown.body.error);
    }
    expect((await call("GET", "/v1/imports", other.manager)).body).toEqual({
      status: "success",
      imports: [],
      nextCursor: null,
    });
    expect((await getImportStatus(owner.manager, job.importId)).status).toBe(200);
  });

  it("400s a cursor the API did not hand out", async () => {
    const p = await newProject();
    expectError(await call("GET", "/v1/imports?cursor=%21%21", p.manager), 400, "validation_failed", ["cursor"]);
  });
});
