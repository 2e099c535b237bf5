// What every browser test shares: Debian's Chromium through playwright-core, a page that fails the
// test on any console error or uncaught exception, an axe check, and a screenshot of each page.
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CHROMIUM } from "../../scripts/ensure-chromium.mjs";

export const BASE_URL = process.env.BASE_URL ?? "http://localhost:8798";
export const ADMIN_TOKEN = process.env.ADMIN_TOKEN ?? "dev-admin-token-change-me";
export const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), "screenshots");
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // This machine's network is closed: without these Chromium keeps trying Google's hosts.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A fresh context (own cookies) and page; `problems` collects console errors and page errors. */
export async function openPage(browser, { width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  return { context, page, problems };
}

/** Serious or critical axe violations on the page as it is now (an empty list passes). */
export async function seriousViolations(page) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The operator's API, for set-up a test does not exercise through the pages. */
export async function admin(method, path, body) {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

/** A project with a manager key, made through the operator API: `{ project, key }`. */
export async function newProject(name) {
  const project = await admin("POST", "/v1/admin/projects", { name });
  const key = await admin("POST", `/v1/admin/projects/${project.id}/keys`, { name: "dashboard", role: "manager" });
  return { project, key: key.key };
}

/** Signs in through the sign-in page with a project key (or the operator token). */
export async function signIn(page, secret, { operator = false } = {}) {
  await page.goto(`${BASE_URL}/app/`);
  if (operator) await page.getByLabel("The operator token").check();
  await page.getByLabel(operator ? "Operator token" : "API key", { exact: true }).fill(secret);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}
