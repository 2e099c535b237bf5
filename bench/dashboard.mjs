// The dashboard's weight and speed: the JavaScript it ships (gzipped, against its 150 KB budget) and
// how soon a page is interactive in Debian's Chromium against `wrangler dev` on this machine.
// Baseline, measured in the same run: the Worker's smallest answer with no script (`/health`),
// loaded the same way: the floor a page cannot beat on this server and browser.
import { buildDashboard, JS_BUDGET_GZIP_BYTES } from "../scripts/build-dashboard.mjs";
import { ensureChromium } from "../scripts/ensure-chromium.mjs";
import { launch } from "../test/browser/browser.mjs";
import { startWorker } from "../test/browser/worker.mjs";
import { conditions } from "./conditions.mjs";

const RUNS = 15;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];
const round = (x) => Math.round(x * 10) / 10;

/** ms from navigation start until `ready` resolves in a fresh context (cold cache), RUNS times. */
async function timeToInteractive(browser, url, ready, before) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext();
    if (before) await before(context);
    const page = await context.newPage();
    await page.goto(url, { waitUntil: "commit" });
    await ready(page);
    times.push(await page.evaluate(() => performance.now()));
    await context.close();
  }
  return times;
}

export async function run() {
  const sizes = await buildDashboard({ quiet: true });
  ensureChromium();
  const worker = await startWorker(8797);
  const browser = await launch();
  try {
    const base = worker.baseUrl;
    const admin = { authorization: "Bearer dev-admin-token-change-me", "content-type": "application/json" };
    const project = await (
      await fetch(`${base}/v1/admin/projects`, { method: "POST", headers: admin, body: '{"name":"Bench"}' })
    ).json();
    const { key } = await (
      await fetch(`${base}/v1/admin/projects/${project.id}/keys`, {
        method: "POST",
        headers: admin,
        body: '{"name":"bench","role":"manager"}',
      })
    ).json();
    const session = await fetch(`${base}/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ apiKey: key }),
    });
    const token = session.headers.get("set-cookie")?.split(";")[0]?.split("=")[1] ?? "";
    const signedIn = (context) =>
      context.addCookies([{ name: "wa_session", value: token, url: base, httpOnly: true, sameSite: "Strict" }]);

    // Warm the Worker and the asset server once, so the first measured run is not a cold start.
    await timeToInteractive(browser, `${base}/app/`, (p) => p.getByRole("button", { name: "Sign in" }).waitFor());

    const baseline = await timeToInteractive(browser, `${base}/health`, (p) => p.waitForLoadState("load"));
    const signIn = await timeToInteractive(browser, `${base}/app/`, (p) =>
      p.getByRole("button", { name: "Sign in" }).waitFor(),
    );
    const campaigns = await timeToInteractive(
      browser,
      `${base}/app/campaigns`,
      (p) => p.getByRole("heading", { level: 1 }).waitFor(),
      signedIn,
    );
    const rows = [
      { page: "baseline: /health (no script)", medianMs: round(median(baseline)), p95Ms: round(p95(baseline)) },
      { page: "sign-in (/app/)", medianMs: round(median(signIn)), p95Ms: round(p95(signIn)) },
      {
        page: "campaigns, signed in (/app/campaigns)",
        medianMs: round(median(campaigns)),
        p95Ms: round(p95(campaigns)),
      },
    ];
    const extra = {
      title: "JavaScript shipped (gzip -9)",
      rows: [
        { what: "all chunks (every page)", bytes: sizes.jsGzipBytes, budget: JS_BUDGET_GZIP_BYTES },
        { what: "first load (sign-in page)", bytes: sizes.entryGzipBytes },
        { what: "stylesheet", bytes: sizes.cssGzipBytes },
      ],
    };
    return {
      title: "Dashboard: JavaScript size and time to interactive (Chromium, cold cache, localhost)",
      rows,
      extra,
      conditions: conditions({
        runtime: "wrangler dev (workerd, local assets), Debian Chromium headless via playwright-core",
        runs: RUNS,
        interactive: "the page's main control is rendered (sign-in button / page heading)",
      }),
      result: {
        jsGzipBytes: sizes.jsGzipBytes,
        firstLoadGzipBytes: sizes.entryGzipBytes,
        budgetRatio: Math.round((sizes.jsGzipBytes / JS_BUDGET_GZIP_BYTES) * 1000) / 1000,
        signInTtiMs: round(median(signIn)),
        campaignsTtiMs: round(median(campaigns)),
        baselineMs: round(median(baseline)),
        signInVsBaseline: Math.round((median(signIn) / median(baseline)) * 100) / 100,
      },
    };
  } finally {
    await browser.close();
    worker.stop();
  }
}
