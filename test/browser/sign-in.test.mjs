import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE_URL, launch, newProject, openPage, screenshot, seriousViolations, signIn } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

test("a key signs in to an HttpOnly cookie, never kept by the page, and signs out", async () => {
  const { key } = await newProject("Sign-in test");
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${BASE_URL}/`);
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "sign-in");

  await page.getByLabel("API key", { exact: true }).fill("wak_not-a-key");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("the API key is unknown or has been revoked").waitFor();

  await signIn(page, key);
  const [cookie] = await context.cookies();
  assert.equal(cookie?.name, "wa_session");
  assert.equal(cookie?.httpOnly, true);
  assert.equal(cookie?.sameSite, "Strict");
  assert.notEqual(cookie?.value, key);
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.ok(!stored.includes(key), "the key is not kept in the page's storage");
  assert.ok(!page.url().includes(key));
  assert.ok(!(await page.content()).includes(key), "the key is not left in the page");

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  assert.deepEqual(await context.cookies(), []);
  await page.reload();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  assert.deepEqual(
    problems.filter((p) => !p.includes("401")),
    [],
  );
  await context.close();
});

test("works from the keyboard alone, and an ended session shows the sign-in form again", async () => {
  const { key } = await newProject("Keyboard test");
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${BASE_URL}/app/`);
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  // Tab to the key's input (past the two choices), type, Enter.
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press("Tab");
    if (await page.getByLabel("API key", { exact: true }).evaluate((el) => el === document.activeElement)) break;
  }
  await page.keyboard.type(key);
  await page.keyboard.press("Enter");
  await page.getByRole("button", { name: "Sign out" }).waitFor();
  // The first Tab reaches the skip link, which moves focus past the navigation.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to content");

  // The session ends (expired, or signed out elsewhere): the next call's 401 brings the form back.
  await context.clearCookies();
  // The overview's own calls, perhaps still loading, may meet the ended session first and bring the
  // form back before the click.
  await page
    .getByRole("link", { name: "Templates" })
    .click({ timeout: 5_000 })
    .catch(() => {});
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  assert.deepEqual(
    problems.filter((p) => !p.includes("401")),
    [],
  );
  await context.close();
});
