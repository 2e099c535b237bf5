import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { ADMIN_TOKEN, admin, launch, openPage, screenshot, seriousViolations, signIn } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

// The two answers the browser logs as failed loads here, both expected: the session check before
// signing in (401), and the WhatsApp account of a project not connected yet (404).
const unexpected = (problems) => problems.filter((p) => !/status of (401|404)/.test(p));

// docs/dashboard.md's picture of the Database page near its ceiling: `SAVE_DOCS_IMAGE=1 npm run test:browser -- database`.
const DOCS_IMAGE = join(dirname(fileURLToPath(import.meta.url)), "../../docs/images/dashboard-database.png");

const GB = 1000 ** 3;
const hoursAgo = (h) => new Date(Date.now() - h * 3_600_000).toISOString();

test("an operator sees how full the database is, and what the Worker does near its ceiling", async () => {
  const { context, page, problems } = await openPage(browser);
  await signIn(page, ADMIN_TOKEN, { operator: true });
  await page.getByRole("link", { name: "Database" }).click();
  await page.getByRole("heading", { name: "Database", level: 1 }).waitFor();

  // The local database as it is: a few MB of 10 GB, no warning, the reading just taken drawn.
  await page.getByText("of 10.0 GB").waitFor();
  const used = Number(await page.getByLabel("How full the database is").getAttribute("value"));
  assert.ok(used >= 0 && used < 0.01, `a fresh database is nearly empty (${used})`);
  await page.getByText(/^1 hourly readings?, from /).waitFor();
  assert.equal(await page.getByRole("alert").count(), 0, "no warning far from the ceiling");
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "operator-database");

  // Near the ceiling, as the report says it (the answer the page reads is replaced here).
  await page.route("**/v1/admin/storage", (route) =>
    route.fulfill({
      json: {
        bytes: 8.6 * GB,
        limitBytes: 10 * GB,
        usedRatio: 0.86,
        growthBytesPerDay: 0.15 * GB,
        daysLeft: 9.3,
        warning: true,
        reasons: [
          "the database is 86% full (warning at 80%)",
          "at the last week's growth the database is full in 9.3 days (warning at 14)",
        ],
        measuredAt: hoursAgo(0),
        samples: [48, 24, 0].map((h) => ({ at: hoursAgo(h), bytes: (8.6 - h * 0.00625) * GB })),
      },
    }),
  );
  await page.getByRole("button", { name: "Refresh" }).click();
  const alert = page.getByRole("alert");
  await alert.getByText("The database is nearing its ceiling.").waitFor();
  await alert.getByText("the database is 86% full (warning at 80%)").waitFor();
  await alert.getByText(/full in 9\.3 days/).waitFor();
  await alert.getByText(/archives early to R2/).waitFor();
  await page.getByText("150 MB a day").waitFor();
  assert.equal(await page.locator(".card", { hasText: "Days left" }).locator(".value").textContent(), "9");
  await page.getByText(/^3 hourly readings, from 8\.300 GB to 8\.600 GB/).waitFor();
  assert.equal(await page.locator("[data-samples]").getAttribute("data-samples"), "3");
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "operator-database-warning");
  if (process.env.SAVE_DOCS_IMAGE === "1") {
    mkdirSync(dirname(DOCS_IMAGE), { recursive: true });
    await page.screenshot({ path: DOCS_IMAGE, fullPage: true });
  }
  assert.deepEqual(unexpected(problems), []);
  await context.close();
});

test("an operator reads a project's archive and queues it now", async () => {
  const project = await admin("POST", "/v1/admin/projects", { name: `Retail ${Date.now()}` });
  const { context, page, problems } = await openPage(browser);
  await signIn(page, ADMIN_TOKEN, { operator: true });
  await page.goto(`${page.url().replace(/\/app\/.*$/, "")}/app/operator/projects/${project.id}`);
  await page.getByRole("heading", { name: "Archive" }).waitFor();
  await page.getByText("30 days", { exact: true }).waitFor();
  const pruned = page.locator('tr[data-state="pruned"]');
  assert.deepEqual(await pruned.locator("td.num").allTextContents(), ["0", "0", "0.0 MB"]);
  await page.getByText(/^Queued —/).waitFor();

  // Asked first; then the job is queued and the section says when.
  await page.getByRole("button", { name: "Archive now" }).click();
  const dialog = page.getByRole("dialog", { name: "Archive now" });
  await dialog.getByText("finished more than 30 days ago").waitFor();
  await dialog.getByRole("button", { name: "Archive now" }).click();
  await page.getByText(/^Queued \d/).waitFor();
  const status = await admin("GET", `/v1/admin/projects/${project.id}/archive`);
  assert.ok(status.queuedAt, "the job is queued");
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "operator-project-archive");
  assert.deepEqual(unexpected(problems), []);
  await context.close();
});
