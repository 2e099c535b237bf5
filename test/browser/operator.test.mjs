import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_TOKEN, BASE_URL, launch, openPage, screenshot, seriousViolations, signIn } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

// The two answers a person's browser logs as failed loads on these pages, both expected: the session
// check before signing in (401), and the WhatsApp account of a project not connected yet (404).
const unexpected = (problems) => problems.filter((p) => !/status of (401|404)/.test(p));

/** A call with the project key, for set-up the test does not exercise through the pages. */
async function withKey(key, method, path, body) {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

test("an operator creates a project, its keys and its WhatsApp connection, and the key sees the overview", async () => {
  const { context, page, problems } = await openPage(browser);
  await signIn(page, ADMIN_TOKEN, { operator: true });
  await page.getByRole("heading", { name: "Projects" }).waitFor();
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "operator-projects");

  // A project, created on the projects page, opens on its own page.
  const name = `Acme ${Date.now()}`;
  await page.getByLabel("Project name").fill(name);
  await page.getByRole("button", { name: "Create project" }).click();
  await page.getByRole("heading", { name, level: 1 }).waitFor();
  assert.match(page.url(), /\/app\/operator\/projects\/prj_/);

  // A manager key: shown once, with a warning and a Copy button.
  await page.getByLabel("Key name").fill("Dashboard");
  await page.getByLabel("Role").selectOption("manager");
  await page.getByRole("button", { name: "Create key" }).click();
  const key = (await page.locator("#new-key").textContent())?.trim() ?? "";
  assert.match(key, /^wak_[A-Za-z0-9_-]{43}$/);
  await page.getByText("Copy this key now: it is shown only once.").waitFor();
  await page.getByRole("button", { name: "Copy key" }).waitFor();
  await page.getByRole("button", { name: "I have copied it" }).click();
  assert.equal(await page.locator("#new-key").count(), 0, "the key is gone once dismissed");
  // A second key, to revoke.
  await page.getByLabel("Key name").fill("Old CRM");
  await page.getByLabel("Role").selectOption("sender");
  await page.getByRole("button", { name: "Create key" }).click();
  await page.locator("#new-key").waitFor();
  await page.getByRole("button", { name: "I have copied it" }).click();

  // A sandbox WhatsApp connection: saving makes a verify token, shown once, beside the callback URL.
  await page.getByText("Not connected").waitFor();
  await page.getByLabel("Provider").selectOption("sandbox");
  const phone = `sandbox-${Date.now()}`;
  await page.getByLabel("Phone number id").fill(phone);
  await page.getByLabel("WhatsApp Business Account id").fill(`waba-${Date.now()}`);
  await page.getByRole("button", { name: "Save connection" }).click();
  await page.locator("#verify-token").waitFor();
  const token = (await page.locator("#verify-token").textContent())?.trim() ?? "";
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal((await page.locator("#callback-url").textContent())?.trim(), `${BASE_URL}/webhooks/whatsapp`);
  await page.getByRole("button", { name: "Copy callback URL" }).waitFor();
  await page.getByRole("button", { name: "Copy verify token" }).waitFor();
  await page.getByText("Not yet:").waitFor();
  assert.equal(await page.getByLabel("Phone number id").inputValue(), phone, "the form keeps its values");

  // Meta's verification, as Meta makes it; then the check turns to "reached".
  const verify = await fetch(
    `${BASE_URL}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=x`,
  );
  assert.equal(verify.status, 200);
  assert.equal(await verify.text(), "x");
  await page.getByRole("button", { name: "Check again" }).click();
  await page.getByText("Meta's webhook reached this Worker at").waitFor();
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "operator-project");

  // A field the API refuses is named at its input (the browser logs that 400, and only that one).
  const logged = problems.length;
  await page.getByLabel("Phone number id").fill("../etc");
  await page.getByRole("button", { name: "Save connection" }).click();
  await page.locator("#f-phoneNumberId-error").getByText("must be Meta's phone number id").waitFor();
  assert.match(problems.splice(logged).join("\n"), /^console: [^\n]*status of 400[^\n]*$/);
  await page.getByLabel("Phone number id").fill(phone);

  // Revoking asks first; Cancel keeps the key.
  await page.getByRole("button", { name: "Revoke Old CRM" }).click();
  const dialog = page.getByRole("dialog", { name: "Revoke Old CRM" });
  await dialog.getByText('Revoke the key "Old CRM"').waitFor();
  await screenshot(page, "operator-revoke-dialog");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  assert.equal(await page.getByText(/^Revoked /).count(), 0);
  await page.getByRole("button", { name: "Revoke Old CRM" }).click();
  await dialog.getByRole("button", { name: "Revoke key" }).click();
  await page.getByText(/^Revoked /).waitFor();
  assert.equal(await page.getByRole("button", { name: "Revoke Dashboard" }).count(), 1, "only that key is revoked");
  assert.ok(!(await page.content()).includes(key), "the key is not left on the page");

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();

  // Something sent today, for the overview to count (set-up through the API with the new key).
  const template = await withKey(key, "POST", "/v1/templates", {
    name: "order_update",
    language: "en_US",
    category: "UTILITY",
    body: { text: "Hi {{1}}, order {{2}} ships today." },
  });
  const campaign = await withKey(key, "POST", "/v1/api-campaigns", { name: "orders", templateId: template.id });
  await withKey(key, "POST", "/campaign/t1/api/v2", {
    apiKey: key,
    campaignName: "orders",
    destination: "7428526285",
    userName: "Asha",
    templateParams: ["Asha", "#1042"],
  });

  await signIn(page, key);
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  await page.getByText("Sent today").waitFor();
  await page.getByText("1 accepted").waitFor();
  await page.getByText("Delivery rate").waitFor();
  await page.getByText("Unique people per 24 hours").waitFor();
  await page.getByText("Unlimited", { exact: true }).waitFor();
  await page.getByText(phone).waitFor();
  const link = page.getByRole("link", { name: "orders" });
  assert.equal(await link.getAttribute("href"), `/app/campaigns/${campaign.id}?kind=api`);
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "overview");
  assert.deepEqual(unexpected(problems), []);
  await context.close();

  // At 375 px wide the overview and the project page read without sideways scrolling.
  const narrow = await openPage(browser, { width: 375, height: 800 });
  await signIn(narrow.page, key);
  await narrow.page.getByText("Sent today").waitFor();
  await narrow.page.getByText("Unique people per 24 hours").waitFor();
  const overflow = await narrow.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the overview scrolls sideways by ${overflow}px at 375px`);
  assert.deepEqual(await seriousViolations(narrow.page), []);
  await screenshot(narrow.page, "overview-375");
  assert.deepEqual(unexpected(narrow.problems), []);
  await narrow.context.close();
});
