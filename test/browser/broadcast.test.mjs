import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE_URL, launch, newProject, openPage, screenshot, seriousViolations, signIn } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

/** Set-up the test does not exercise through the pages: the project's API with its key. */
async function call(key, path, body) {
  const res = await fetch(`${BASE_URL}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Problems other than the signed-out session check; an expected failed request shows as its status. */
const expectedOnly = (problems) =>
  problems
    .filter((p) => !p.includes("status of 401"))
    .map((p) => (p.includes("status of 400 (Bad Request)") ? "400" : p));

test("a template is created on the Templates page, then a broadcast on the New broadcast page", async () => {
  const { key } = await newProject("Broadcast test");
  await call(key, "/v1/create/audience", {
    id: "shoppers",
    name: "Frequent Shoppers",
    contacts: [
      { number: "+919876500001", name: "Asha" },
      { number: "+919876500002", name: "Ravi" },
    ],
  });
  await call(key, "/v1/create/variable/group", {
    id: "users",
    name: "users",
    fields: ["first_name"],
    values: [
      { number: "+919876500001", first_name: "Asha" },
      { number: "+919876500002", first_name: "Ravindra" },
    ],
  });
  const { page, problems } = await openPage(browser);
  await signIn(page, key);

  // Templates: create one through the form; the sandbox approves it at once.
  await page.getByRole("link", { name: "Templates" }).click();
  await page.getByRole("heading", { name: "Templates", level: 1 }).waitFor();
  await page.getByText("No templates yet.").waitFor();
  await page.getByLabel("Name", { exact: true }).fill("Spring Offer");
  await page.getByLabel("Body", { exact: true }).fill("Hi {{1}}, the spring sale starts today.");
  await page.getByRole("button", { name: "Create template" }).click();
  await page.locator('[id="f-name-error"]').waitFor();
  await page.getByLabel("Name", { exact: true }).fill("spring_offer");
  await page.getByLabel("Body", { exact: true }).fill("Hi {{1}}, the spring sale starts today.");
  await page.getByLabel("Example for {{1}}").fill("Asha");
  await page.getByRole("button", { name: "Create template" }).click();
  await page.getByRole("status").getByText("spring_offer").waitFor();
  const row = page.getByRole("row", { name: /spring_offer/ });
  await row.waitFor();
  assert.deepEqual((await row.getByRole("cell").allTextContents()).slice(0, 5), [
    "spring_offer",
    "en_US",
    "MARKETING",
    "APPROVED",
    "Not rated",
  ]);
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "templates");

  // New broadcast: audiences, groups, a message with a variable inserted from its chip.
  await page.getByRole("link", { name: "New broadcast" }).click();
  await page.getByRole("heading", { name: "New broadcast", level: 1 }).waitFor();
  await page.getByLabel("Title", { exact: true }).fill("Spring sale");
  await page.getByRole("checkbox", { name: /Frequent Shoppers/ }).check();
  await page.getByRole("checkbox", { name: /^users/ }).check();
  const message = page.getByLabel("Message", { exact: true });
  await message.fill("Hi ");
  await page.getByRole("button", { name: "{users.first_name}" }).click();
  await message.press("End");
  await message.pressSequentially(", the spring sale starts today.");
  assert.equal(await message.inputValue(), "Hi {users.first_name}, the spring sale starts today.");

  // The preview renders the chosen recipient's own value.
  const preview = page.getByTestId("preview");
  await page.getByLabel("Preview for").selectOption({ label: "Ravi (+919876500002)" });
  await preview.getByText("Ravindra").waitFor();
  assert.match(await preview.textContent(), /^Hi Ravindra, the spring sale starts today\./);
  await page.getByLabel("Preview for").selectOption({ label: "Asha (+919876500001)" });
  await preview.getByText("Asha").waitFor();

  // A bad phone button: the API's 400 is shown at its field, and nothing is created.
  await page.getByRole("button", { name: "Add a button" }).click();
  await page.getByLabel("Kind").selectOption("phone");
  await page.getByLabel("Label").fill("Call us");
  await page.getByLabel("Phone number").fill("12");
  await page.getByRole("button", { name: "Create and send now" }).click();
  const fieldError = page.locator('[id="f-buttons.0.phoneNumber-error"]');
  await fieldError.waitFor();
  assert.match(await fieldError.textContent(), /country code/);
  assert.equal(await page.getByLabel("Phone number").getAttribute("aria-describedby"), "f-buttons.0.phoneNumber-error");
  assert.ok(page.url().endsWith("/app/broadcasts/new"));
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "new-broadcast");

  await page.getByLabel("Phone number").fill("+15550051310");
  await page.getByRole("button", { name: "Create and send now" }).click();
  await page.waitForURL(/\/app\/campaigns\/cmp_[\w-]+$/);
  const campaignId = page.url().split("/").at(-1);
  const found = await fetch(`${BASE_URL}/v1/retrieve/campaigns`, { headers: { authorization: `Bearer ${key}` } });
  const { campaigns } = await found.json();
  assert.equal(campaigns[0]?.campaignId, campaignId);
  assert.equal(campaigns[0]?.runs.length, 1, "run now started a run");
  assert.deepEqual(campaigns[0]?.buttons, [{ text: "Call us", type: "phone", phoneNumber: "+15550051310" }]);
  // The browser logs every failed request: the session check before signing in (401) and the
  // deliberately bad name and button (400) are the only ones.
  assert.deepEqual(expectedOnly(problems), ["400", "400"]);
});

test("the New broadcast page reads at 375 px wide", async () => {
  const { key } = await newProject("Broadcast narrow test");
  const { page, problems } = await openPage(browser, { width: 375, height: 800 });
  await signIn(page, key);
  await page.goto(`${BASE_URL}/app/broadcasts/new`);
  await page.getByRole("heading", { name: "New broadcast", level: 1 }).waitFor();
  await page.getByText("No audiences yet").waitFor();
  await page.getByRole("button", { name: "Add a button" }).click();
  await page.getByRole("button", { name: "Create and send now" }).click();
  await page.locator('[id="f-title-error"]').waitFor();
  await page.locator('[id="f-audiences-error"]').getByText("is required to run the campaign").waitFor();
  await page.locator('[id="f-buttons.0.text-error"]').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling (${overflow}px too wide)`);
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "new-broadcast-375");
  assert.deepEqual(expectedOnly(problems), ["400"]);
});

test("a broadcast scheduled for a later time", async () => {
  const { key } = await newProject("Broadcast schedule test");
  await call(key, "/v1/create/audience", { id: "late", name: "Late", contacts: [{ number: "+919876500003" }] });
  const { page, problems } = await openPage(browser);
  await signIn(page, key);
  await page.goto(`${BASE_URL}/app/broadcasts/new`);
  await page.getByLabel("Title", { exact: true }).fill("Later");
  await page.getByRole("checkbox", { name: /^Late/ }).check();
  await page.getByLabel("Message", { exact: true }).fill("The winter sale starts next week.");
  await page.getByLabel("Preview for").waitFor();
  await page.getByLabel("At a time").check();
  await page.getByRole("button", { name: "Create and schedule" }).click();
  await page.locator('[id="f-options.timeToRun-error"]').getByText("choose a date and time").waitFor();
  await page.getByLabel("Send at (your local time)").fill("2030-01-15T09:30");
  const expected = await page.evaluate(() => new Date("2030-01-15T09:30").toISOString());
  await page.getByRole("button", { name: "Create and schedule" }).click();
  await page.waitForURL(/\/app\/campaigns\/cmp_[\w-]+$/);
  const res = await fetch(`${BASE_URL}/v1/runs`, { headers: { authorization: `Bearer ${key}` } });
  const runs = await res.json();
  const run = runs.runs[0];
  assert.equal(run?.status, "scheduled");
  assert.equal(new Date(run?.timeToRun).toISOString(), expected);
  assert.deepEqual(expectedOnly(problems), []);
});
