import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { BASE_URL, launch, newProject, openPage, screenshot, seriousViolations, signIn } from "./browser.mjs";

// The README's picture of the dashboard is this page: `SAVE_DOCS_IMAGE=1 npm run test:browser -- campaign`
// retakes it. Otherwise the tests write nothing that git tracks.
const DOCS_IMAGE = join(dirname(fileURLToPath(import.meta.url)), "../../docs/images/dashboard-campaign.png");

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

async function call(key, method, path, body) {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

// Enough numbers that the paced sandbox is still sending when the run is paused; two of them fail
// (…0000 is not on WhatsApp, …1111 fails delivery).
const NUMBERS = [...Array.from({ length: 60 }, (_, i) => `74285${String(30100 + i)}`), "7428520000", "7428521111"];

async function setUp() {
  const { key } = await newProject("Campaign page test");
  const template = await call(key, "POST", "/v1/templates", {
    name: "order_update",
    language: "en_US",
    category: "UTILITY",
    body: { text: "Hi {{1}}, order {{2}} ships today." },
  });
  await call(key, "POST", "/v1/api-campaigns", { name: "Order updates", templateId: template.id });
  await call(key, "POST", "/v1/create/audience", {
    id: "spring",
    name: "Spring shoppers",
    contacts: NUMBERS.map((number) => ({ number })),
  });
  const created = await call(key, "POST", "/v1/create/campaign", {
    title: "Spring sale",
    message: "Hello, the spring sale starts today.",
    templateType: "UTILITY",
    options: { audiences: ["spring"] },
  });
  return { key, campaignId: created.campaign.campaignId };
}

const counter = (page, name) => page.locator(`[data-counter="${name}"] .value`);

async function confirm(page, label) {
  await page.getByRole("button", { name: label, exact: true }).first().click();
  const dialog = page.getByRole("dialog", { name: label });
  await dialog.getByRole("button", { name: label, exact: true }).click();
  await dialog.waitFor({ state: "hidden" });
}

test("a campaign runs, moves live, pauses and resumes, and exports its recipients", async () => {
  const { key, campaignId } = await setUp();
  const { context, page, problems } = await openPage(browser, { width: 1280, height: 800 });
  await signIn(page, key);
  // The sign-in page's first look at the session is a 401 before signing in.
  problems.length = 0;

  await page.getByRole("navigation").getByRole("link", { name: "Campaigns", exact: true }).click();
  await page.getByRole("heading", { name: "Campaigns", level: 1 }).waitFor();
  await page.getByRole("link", { name: "Spring sale" }).waitFor();
  await page.getByRole("link", { name: "Order updates" }).waitFor();
  assert.equal(
    await page.getByRole("main").getByRole("link", { name: "New broadcast" }).getAttribute("href"),
    "/app/broadcasts/new",
  );
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "campaigns");

  await page.getByRole("link", { name: "Spring sale" }).click();
  await page.getByRole("heading", { name: "Spring sale", level: 1 }).waitFor();
  assert.ok(page.url().endsWith(`/app/campaigns/${campaignId}`));
  await page.getByText("Updates: live").waitFor();
  await page.locator(".chart canvas").first().waitFor();
  assert.equal(await counter(page, "sent").textContent(), "0");
  assert.equal(await page.locator(".chart").getAttribute("data-sent"), "0");
  // Marks this document: had the page reloaded, the mark would be gone.
  await page.evaluate(() => {
    globalThis.notReloaded = true;
  });

  await confirm(page, "Run now");
  await page
    .getByRole("status")
    .getByText(/Run run_\S+ started/)
    .waitFor();

  // The counters and the chart move with the live socket's messages.
  await page.waitForFunction(() => document.querySelector('[data-counter="sent"] .value')?.textContent !== "0");
  await page.waitForFunction(() => Number(document.querySelector(".chart")?.getAttribute("data-sent")) > 0);
  assert.ok(Number(await page.locator("#send-progress").getAttribute("value")) > 0);
  assert.equal(await page.evaluate(() => globalThis.notReloaded), true);

  await confirm(page, "Pause");
  await page
    .getByRole("status")
    .getByText(/: paused\./)
    .waitFor();
  const sentWhenPaused = await counter(page, "sent").textContent();
  await confirm(page, "Resume");
  await page
    .getByRole("status")
    .getByText(/: (sending|fanning_out|completed)\./)
    .waitFor();
  await page.waitForFunction(
    (before) => document.querySelector('[data-counter="sent"] .value')?.textContent !== before,
    sentWhenPaused,
  );
  // Every message is handed over or failed in the end.
  await page.waitForFunction(
    (n) => document.querySelector("#send-progress")?.getAttribute("value") === String(n),
    NUMBERS.length,
    { timeout: 120_000 },
  );
  // The two failing numbers fail in the end (a failure comes 2 s after the send).
  await page.waitForFunction(() => document.querySelector('[data-counter="failed"] .value')?.textContent === "2");
  assert.equal(await page.evaluate(() => globalThis.notReloaded), true);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export CSV" }).click(),
  ]);
  assert.match(download.suggestedFilename(), new RegExp(`${campaignId}.*\\.csv$`));
  const csv = readFileSync(await download.path(), "utf8")
    .trim()
    .split("\r\n");
  assert.match(csv[0] ?? "", /^number,status,/);
  assert.equal(csv.length, NUMBERS.length + 1);
  assert.ok(
    csv.some((line) => line.startsWith("+917428520000,failed,")),
    csv.filter((line) => line.includes("0000") || line.includes("1111")).join("\n"),
  );

  // The recipients' table filters by status.
  await page.getByLabel("Status").selectOption("failed");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByRole("cell", { name: "+917428520000" }).waitFor();

  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "campaign");
  if (process.env.SAVE_DOCS_IMAGE === "1") {
    mkdirSync(dirname(DOCS_IMAGE), { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: DOCS_IMAGE });
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test("a campaign's page reads at 375 px", async () => {
  const { key, campaignId } = await setUp();
  const { context, page, problems } = await openPage(browser, { width: 375, height: 800 });
  // Keeps the page's sockets within reach, to close one as a network would.
  await page.addInitScript(() => {
    const Native = globalThis.WebSocket;
    globalThis.sockets = [];
    globalThis.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        globalThis.sockets.push(this);
      }
    };
  });
  await signIn(page, key);
  // The sign-in page's first look at the session is a 401 before signing in.
  problems.length = 0;
  await page.goto(`${BASE_URL}/app/campaigns/${campaignId}`);
  await page.getByRole("heading", { name: "Spring sale", level: 1 }).waitFor();
  await page.locator(".chart canvas").first().waitFor();
  await page.getByRole("button", { name: "Dry run" }).waitFor();
  // A socket that closes is opened again.
  await page.getByText("Updates: live").waitFor();
  await page.evaluate(() => globalThis.sockets.at(-1).close());
  await page.getByText("Updates: reconnecting…").waitFor();
  await page.getByText("Updates: live").waitFor();
  assert.equal(await page.evaluate(() => globalThis.sockets.length), 2);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
  await page.getByRole("button", { name: "Schedule", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Schedule" });
  await dialog.getByRole("button", { name: "Schedule", exact: true }).click();
  await dialog.getByRole("alert").getByText("choose the time to run at", { exact: true }).waitFor();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await page.locator("#f-timeToRun-error").getByText("choose the time to run at").waitFor();
  await confirm(page, "Dry run");
  await page
    .getByRole("status")
    .getByText(/Dry run: 62 of 62 recipients would be sent to/)
    .waitFor();
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "campaign-375");
  assert.deepEqual(problems, []);
  await context.close();
});

test("an API campaign's page shows what applies, and pauses it", async () => {
  const { key } = await setUp();
  const { context, page, problems } = await openPage(browser);
  await signIn(page, key);
  problems.length = 0;
  await page.getByRole("navigation").getByRole("link", { name: "Campaigns", exact: true }).click();
  await page.getByRole("link", { name: "Order updates" }).click();
  await page.getByRole("heading", { name: "Order updates", level: 1 }).waitFor();
  await page.getByText("API campaign", { exact: true }).waitFor();
  await page.locator(".chart canvas").first().waitFor();
  assert.equal(await counter(page, "queued").textContent(), "0");
  assert.equal(await page.getByRole("heading", { name: "Recipients" }).count(), 0);
  await confirm(page, "Pause");
  await page.getByRole("status").getByText("The campaign is paused.").waitFor();
  await page.getByRole("button", { name: "Resume" }).waitFor();
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "campaign-api");
  assert.deepEqual(problems, []);
  await context.close();
});
