import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { BASE_URL, launch, newProject, openPage, screenshot, seriousViolations, signIn } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

/** Set-up the pages do not exercise: an approved template (the sandbox approves at once). */
async function createTemplate(key) {
  const res = await fetch(`${BASE_URL}/v1/templates`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({
      name: "order_update",
      language: "en_US",
      category: "UTILITY",
      body: { text: "Hi {{1}}, your order {{2}} is on its way." },
    }),
  });
  assert.equal(res.status, 201, await res.text());
}

// Only the sign-in page's own check of the session (no cookie yet) answers 401.
const unexpected = (problems) => problems.filter((p) => !p.includes("401"));

test("audiences, a CSV import with a reject, and an API campaign send, through the pages", async () => {
  const { key } = await newProject("Audiences test");
  await createTemplate(key);
  const { context, page, problems } = await openPage(browser);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE_URL });
  await signIn(page, key);

  // Audiences: a list from pasted numbers, then its members.
  await page.getByRole("link", { name: "Audiences" }).click();
  await page.getByRole("heading", { name: "Audiences" }).waitFor();
  await page.getByText("No audiences yet.").waitFor();
  await page.getByRole("button", { name: "New audience" }).click();
  await page.getByLabel("Audience id").fill("vips");
  await page.getByLabel("Name", { exact: true }).fill("VIP customers");
  await page.getByRole("textbox", { name: "Numbers" }).fill("+917428526285, Asha\n\n9876543210");
  await page.getByRole("button", { name: "Create audience" }).click();
  await page.getByText("Created VIP customers with 2 members added.").waitFor();
  const row = page.getByRole("row", { name: /VIP customers/ });
  await row.waitFor();
  assert.deepEqual((await row.locator("td").allTextContents()).slice(0, 4), ["VIP customers", "vips", "list", "2"]);
  await page.getByRole("heading", { name: "Members of VIP customers" }).waitFor();
  await page.getByRole("cell", { name: "+919876543210" }).waitFor();
  await page.getByRole("cell", { name: "Asha" }).waitFor();
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "audiences");

  // Imports: the upload's own progress (held back a moment so it can be seen), then the import's.
  await page.getByRole("link", { name: "Imports" }).click();
  await page.getByRole("heading", { name: "Imports", exact: true }).waitFor();
  await page.getByLabel("Audience id").fill("leads");
  await page.getByLabel("Name", { exact: true }).fill("Website leads");
  const csv =
    "number,name,source\n+917428526285,Asha,Website lead\nnot-a-number,Bad,Website lead\n+919812345678,Ravi,\n";
  await page
    .getByLabel("CSV file")
    .setInputFiles({ name: "leads.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  let release;
  const held = new Promise((r) => {
    release = r;
  });
  await page.route("**/v1/create/audience/from/file", async (route) => {
    await held;
    await route.continue();
  });
  await page.getByRole("button", { name: "Upload" }).click();
  await page.getByRole("progressbar", { name: /Uploading/ }).waitFor();
  release();
  await page.getByText("2 rows imported, 1 rejected — done.", { exact: true }).waitFor({ timeout: 60_000 });
  assert.equal(await page.getByRole("progressbar", { name: /Imported 100%/ }).getAttribute("value"), "1");
  await page.getByRole("cell", { name: "number is not a valid phone number" }).waitFor();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download all 1 rejects (CSV)" }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^imp_.*-rejects\.csv$/);
  const rejects = await readFile(await download.path(), "utf8");
  assert.equal(rejects, "line,number,reason\r\n3,not-a-number,number is not a valid phone number\r\n");
  const past = page.getByRole("row", { name: /leads/ });
  await past.getByText("completed").waitFor();
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "imports");

  // A segment on the imported leads' source: its members are whoever matches now.
  await page.getByRole("link", { name: "Audiences" }).click();
  await page.getByRole("button", { name: "New audience" }).click();
  await page.getByRole("radio", { name: /A segment/ }).check();
  await page.getByLabel("Audience id").fill("web-leads");
  await page.getByLabel("Name", { exact: true }).fill("Web leads");
  await page.getByLabel("Lead source").fill("Website lead");
  await page.getByRole("button", { name: "Create audience" }).click();
  await page.getByText("Created Web leads with 0 members added.").waitFor();
  await page.getByRole("row", { name: /Web leads/ }).waitFor();
  assert.deepEqual(
    (
      await page
        .getByRole("row", { name: /Web leads/ })
        .locator("td")
        .allTextContents()
    ).slice(0, 4),
    ["Web leads", "web-leads", "segment", "by filter"],
  );
  await page.getByRole("heading", { name: "Members of Web leads" }).waitFor();
  await page.getByRole("cell", { name: "+917428526285" }).waitFor();
  assert.equal(await page.getByRole("cell", { name: "+919812345678" }).count(), 0);
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "audiences-segment");

  // API campaigns: create one, send through the form, and the CRM's request without the key.
  await page.getByRole("link", { name: "API campaigns" }).click();
  await page.getByRole("heading", { name: "API campaigns" }).waitFor();
  await page.getByRole("button", { name: "New API campaign" }).click();
  await page.getByLabel("Campaign name").fill("order_updates");
  await page.getByRole("button", { name: "Create API campaign" }).click();
  await page.getByText("Created order_updates.").waitFor();
  await page.getByRole("row", { name: /order_updates\s+order_update \(en_US\)\s+live/ }).waitFor();
  await page.getByLabel("Destination").fill("+917428526285");
  await page.getByLabel("User name").fill("Asha Verma");
  await page.getByLabel("Body {{1}}").fill("Asha");
  await page.getByLabel("Body {{2}}").fill("#1042");
  const curl = await page.getByTestId("curl").textContent();
  assert.ok(curl.startsWith(`curl -X POST ${BASE_URL}/campaign/t1/api/v2`), curl);
  assert.ok(curl.includes('"campaignName": "order_updates"'), curl);
  assert.ok(curl.includes('"templateParams": [\n    "Asha",\n    "#1042"\n  ]'), curl);
  assert.ok(curl.includes('"apiKey": "<YOUR_API_KEY>"'), curl);
  assert.ok(!curl.includes(key), "the request shown never holds the key");
  await page.getByRole("button", { name: "Copy" }).click();
  await page.getByText("Copied to the clipboard.").waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), curl);

  await page.getByRole("button", { name: "Send message" }).click();
  const answer = page.getByRole("status").filter({ hasText: "The API's answer" });
  await answer.getByText("Message accepted: queued to +917428526285").waitFor();
  assert.match(await answer.textContent(), /"submitted_message_id": "msg_/);
  assert.ok(!(await page.content()).includes(key), "the key is not in the page");
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "api-campaigns");

  // A phone's width: nothing wider than the screen, still no serious violation.
  await page.setViewportSize({ width: 375, height: 800 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), "no sideways scrolling at 375 px");
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "api-campaigns-375");

  assert.deepEqual(unexpected(problems), []);
  await context.close();
});
