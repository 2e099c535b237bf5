import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { daysLeft, growthPerDay } from "../../src/features/storage/growth";
import { storageReport } from "../../src/features/storage/report";
import { sampleStorage } from "../../src/features/storage/sample";
import { databaseBytes } from "../../src/platform/db/size";
import { finishedRun, manifests } from "../archive/archive.helpers";
import { anIso, api, expectError, newProject } from "../helpers";
import { eventually } from "../messages/messages.helpers";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const limits = { STORAGE_LIMIT_BYTES: 10_000, STORAGE_WARN_RATIO: 0.8, STORAGE_WARN_DAYS: 14 };

describe("growth of the database", () => {
  it("is the least-squares slope of the last week's readings, in bytes a day", () => {
    const now = 100 * DAY;
    // 1,000 bytes a day, read every six hours for three days, with noise that cancels out.
    const samples = Array.from({ length: 13 }, (_, i) => ({
      at: now - 3 * DAY + i * 6 * HOUR,
      bytes: 50_000 + i * 250 + (i % 2 === 0 ? 10 : -10),
    }));
    expect(growthPerDay(samples, now)).toBeGreaterThanOrEqual(995);
    expect(growthPerDay(samples, now)).toBeLessThanOrEqual(1_005);
  });

  it("ignores readings older than a week", () => {
    const now = 100 * DAY;
    const old = { at: now - 30 * DAY, bytes: 0 };
    const recent = [
      { at: now - 2 * DAY, bytes: 5_000 },
      { at: now, bytes: 5_000 },
    ];
    expect(growthPerDay([old, ...recent], now)).toBe(0);
  });

  it("says nothing from one reading, or from readings less than an hour apart", () => {
    expect(growthPerDay([{ at: 0, bytes: 1 }], 0)).toBeNull();
    expect(
      growthPerDay(
        [
          { at: 0, bytes: 1 },
          { at: HOUR / 2, bytes: 1_000_000 },
        ],
        HOUR,
      ),
    ).toBeNull();
  });

  it("counts days left only while the database grows", () => {
    expect(daysLeft(6_000, 10_000, 1_000)).toBe(4);
    expect(daysLeft(6_000, 10_000, 0)).toBeNull();
    expect(daysLeft(6_000, 10_000, null)).toBeNull();
    expect(daysLeft(12_000, 10_000, 10)).toBe(0);
  });
});

describe("the storage report", () => {
  const now = 50 * DAY;
  const growing = (perDay: number, from: number) =>
    Array.from({ length: 7 }, (_, i) => ({ at: now - (7 - i) * DAY, bytes: from + i * perDay }));

  it("warns when the database is at the warning share of its ceiling", () => {
    const report = storageReport(8_500, [], now, limits);
    expect(report).toMatchObject({ bytes: 8_500, limitBytes: 10_000, usedRatio: 0.85, warning: true });
    expect(report.reasons).toEqual(["the database is 85% full (warning at 80%)"]);
  });

  it("warns when the last week's growth reaches the ceiling within the warning's days", () => {
    // 5,000 bytes used, 300 a day: 16.7 days left, no warning; 400 a day: 12.5 days, a warning.
    const calm = storageReport(5_000, growing(300, 5_000 - 7 * 300), now, limits);
    expect(calm).toMatchObject({ warning: false, reasons: [], growthBytesPerDay: 300, daysLeft: 16.7 });
    const fast = storageReport(5_000, growing(400, 5_000 - 7 * 400), now, limits);
    expect(fast).toMatchObject({ warning: true, growthBytesPerDay: 400, daysLeft: 12.5 });
    expect(fast.reasons).toEqual(["at the last week's growth the database is full in 12.5 days (warning at 14)"]);
  });
});

describe("GET /v1/admin/storage", () => {
  it("reports the database's real size, its ceiling and the readings so far", async () => {
    const result = await api("GET", "/v1/admin/storage", { admin: true });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      limitBytes: 10_000_000_000,
      warning: false,
      reasons: [],
      measuredAt: anIso(),
    });
    expect(result.body.bytes).toBeGreaterThan(0);
    // The size as D1 reports it, which only grows while the tests write.
    expect(result.body.bytes).toBeLessThanOrEqual(await databaseBytes(env.DB));
    expect(result.body.usedRatio).toBe(Math.round((result.body.bytes / 10_000_000_000) * 1000) / 1000);
    expect(result.body.samples.at(-1)).toEqual({ at: result.body.measuredAt, bytes: result.body.bytes });
  });

  it("401s without the operator token, and for a project's API key (manager or sender)", async () => {
    const p = await newProject();
    for (const key of [undefined, p.manager, p.sender]) {
      expectError(await api("GET", "/v1/admin/storage", { key }), 401, "unauthorized");
    }
  });
});

describe("the cron's reading", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("keeps one reading an hour, and tells the operator at error level when the ceiling is near", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    // An hour far from any other test's, in the storage_samples table all tests share.
    const hour = Math.floor(Date.now() / HOUR) + 24 * 365;
    const at = hour * HOUR + 60_000;
    const bytes = await databaseBytes(env.DB);
    // A ceiling just above today's size: the database is over 80% of it.
    const tight = { ...env, STORAGE_LIMIT_BYTES: String(Math.ceil(bytes * 1.1)) } as Env;
    const first = await sampleStorage(tight, at);
    expect(first).toMatchObject({ warning: true, limitBytes: Math.ceil(bytes * 1.1) });
    expect(errors).toHaveBeenCalledTimes(1);
    expect(String(errors.mock.calls[0]?.[0])).toContain("the database is nearing its ceiling");
    // A minute later, the same hour: the reading is updated, nothing is logged again.
    expect(await sampleStorage(tight, at + 60_000)).toBeNull();
    expect(errors).toHaveBeenCalledTimes(1);
    const rows = await env.DB.prepare("SELECT hour, at FROM storage_samples WHERE hour = ?").bind(hour).all();
    expect(rows.results).toEqual([{ hour, at: at + 60_000 }]);
    // The default ceiling: no warning.
    expect(await sampleStorage(env, (hour + 1) * HOUR)).toMatchObject({ warning: false });
    await env.DB.prepare("DELETE FROM storage_samples WHERE hour >= ?").bind(hour).run();
  });

  it("archives early while the warning holds: what finished over a week ago, whatever the retention", {
    timeout: 90_000,
  }, async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const old = await finishedRun();
    const recent = await finishedRun();
    // Both keep 30 days; one run ended 10 days ago, the other 3.
    for (const [run, days] of [
      [old.runId, 10],
      [recent.runId, 3],
    ] as const) {
      await env.DB.prepare("UPDATE runs SET finished_at = ? WHERE id = ?")
        .bind(Date.now() - days * DAY, run)
        .run();
    }
    const now = Date.now();
    // The hour's first reading is the one that acts.
    await env.DB.prepare("DELETE FROM storage_samples WHERE hour = ?")
      .bind(Math.floor(now / HOUR))
      .run();
    const bytes = await databaseBytes(env.DB);
    const tight = { ...env, STORAGE_LIMIT_BYTES: String(Math.ceil(bytes * 1.1)) } as Env;
    expect(await sampleStorage(tight, now)).toMatchObject({ warning: true });
    // The jobs queue runs the archive.
    await eventually(
      () => manifests(old.p.id),
      (rows) => rows.length === 1 && rows[0]?.state === "pruned",
      30_000,
    );
    expect(await manifests(recent.p.id)).toEqual([]);
    await env.DB.prepare("DELETE FROM storage_samples WHERE hour = ?")
      .bind(Math.floor(now / HOUR))
      .run();
  });
});
