import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ProviderError } from "../../src/whatsapp/provider";
import { SandboxProvider } from "../../src/whatsapp/sandbox";
import { connectedProject } from "../delivery/pipeline.helpers";
import { call, expectError, ISO, newProject, type Project } from "../helpers";
import { graph } from "../standin/standin.helpers";
import { setAccount, TEMPLATE_ID } from "../templates/templates.helpers";
import {
  CAMPAIGN_ID,
  CREATE,
  createCampaign,
  createCampaignOk,
  fieldsOf,
  RUN_ID,
  rowCounts,
  seedAudience,
  seedGroup,
  seedJourney,
} from "./broadcast.helpers";

let p: Project;
beforeEach(async () => {
  p = await newProject("broadcast campaigns");
});
afterEach(() => {
  vi.restoreAllMocks();
});

const EMPTY_RESULTS = {
  Queued: 0,
  Sent: 0,
  Delivered: 0,
  Read: 0,
  SendErrors: 0,
  DeliveryErrors: 0,
  NumbersNotOnWhatsApp: 0,
  MarketingLimited: 0,
  MarketingExperiment: 0,
  Skipped: 0,
  ReadRate: 0,
  DeliveryRate: 0,
};

async function templateRow(id: string) {
  return env.DB.prepare("SELECT * FROM templates WHERE id = ?").bind(id).first<Record<string, any>>();
}

async function campaignRow(id: string) {
  return env.DB.prepare("SELECT * FROM campaigns WHERE id = ?").bind(id).first<Record<string, any>>();
}

describe("the reference document's createCampaign examples", () => {
  it("JS example: a journey button, runImmediately to an audience named by its name", async () => {
    await seedJourney(p.id, "myJourneyId");
    await seedAudience(p.id, { id: "frequent", name: "Frequent Shoppers", numbers: ["+919876543210"] });
    const body = await createCampaignOk(p.manager, {
      title: "My Marketing Campaign",
      message: "This is an awesome broadcast campaign message.",
      buttons: [{ text: "Button 1", type: "journey", journeyId: "myJourneyId" }],
      options: { runImmediately: true, audiences: ["Frequent Shoppers"] },
    });
    const run = {
      runId: expect.stringMatching(RUN_ID),
      campaignId: body.campaign.campaignId,
      status: "fanning_out",
      statusReason: null,
      audiences: ["Frequent Shoppers"],
      timeToRun: null,
      retryOf: null,
      retryKind: null,
      retryMarketingLimited: false,
      recipients: { queued: 0, skipped: 0 },
      results: EMPTY_RESULTS,
      createdAt: expect.stringMatching(ISO),
      startedAt: expect.stringMatching(ISO),
      fannedOutAt: null,
      finishedAt: null,
    };
    expect(body).toEqual({
      status: "success",
      campaign: {
        campaignId: expect.stringMatching(CAMPAIGN_ID),
        title: "My Marketing Campaign",
        message: "This is an awesome broadcast campaign message.",
        imgUrl: null,
        imgMedia: null,
        variables: [],
        buttons: [{ text: "Button 1", type: "journey", journeyId: "myJourneyId" }],
        trackClicks: false,
        locale: "en_US",
        templateType: "MARKETING",
        templateId: expect.stringMatching(TEMPLATE_ID),
        templateName: expect.stringMatching(/^my_marketing_campaign_[0-9a-f]{8}$/),
        whatsAppTemplatesStatus: "APPROVED",
        active: true,
        runs: [run],
        results: EMPTY_RESULTS,
        totalSent: 0,
        totalDelivered: 0,
        totalRead: 0,
        createdAt: expect.stringMatching(ISO),
      },
      run,
    });
    const template = await templateRow(body.campaign.templateId);
    expect(JSON.parse(template?.definition)).toEqual({
      name: body.campaign.templateName,
      language: "en_US",
      category: "MARKETING",
      body: { text: "This is an awesome broadcast campaign message." },
      buttons: [{ type: "QUICK_REPLY", text: "Button 1" }],
    });
    expect(await campaignRow(body.campaign.campaignId)).toMatchObject({
      project_id: p.id,
      kind: "broadcast",
      name: "My Marketing Campaign",
      template_id: template?.id,
      language: "en_US",
      category: "MARKETING",
    });
  });

  const curlExample = {
    title: "campaign title",
    templateType: "MARKETING",
    message: "My message {}",
    imgUrl: "my-imageurl",
    buttons: [
      { text: "Start", type: "journey", journeyId: "myJourneyID" },
      { text: "Vist site", type: "url", url: "https://www.google.com" },
    ],
  };

  it("curl example, as printed: 400 for the empty {}, the bare image name and the journey + url mix (which the document's own button rules forbid)", async () => {
    await seedJourney(p.id, "myJourneyID");
    const result = await createCampaign(p.manager, curlExample);
    expect(fieldsOf(result)).toEqual([
      [
        "message",
        "{} is not a variable: write {group.field}, naming a variable group and one of its fields, e.g. {users.first_name}",
      ],
      ["imgUrl", "must be an https:// URL of a JPEG or PNG image"],
      [
        "buttons.1.type",
        "url buttons cannot be combined with journey buttons: phone and url buttons may only be used together, never with input or journey buttons",
      ],
    ]);
    expect(await rowCounts(p.id)).toEqual({ campaigns: 0, templates: 0, variableGroups: 0, runs: 0 });
  });

  it("curl example, corrected: a variable, an https image, and the url button on its own", async () => {
    await seedGroup(p.id, { id: "users", fields: ["first_name"] });
    const body = await createCampaignOk(p.manager, {
      ...curlExample,
      message: "My message {users.first_name}, welcome.",
      imgUrl: "https://media.example.test/image.jpg",
      buttons: [curlExample.buttons[1]],
    });
    expect(body.run).toBeNull();
    expect(body.campaign).toMatchObject({
      title: "campaign title",
      imgUrl: "https://media.example.test/image.jpg",
      variables: ["users.first_name"],
      buttons: [{ text: "Vist site", type: "url", url: "https://www.google.com" }],
      templateType: "MARKETING",
      active: false,
      runs: [],
    });
    const template = await templateRow(body.campaign.templateId);
    expect(JSON.parse(template?.definition)).toMatchObject({
      header: { format: "IMAGE" },
      body: { text: "My message {{first_name}}, welcome." },
      buttons: [{ type: "URL", text: "Vist site", url: "https://www.google.com" }],
    });
  });
});

describe("from message to template", () => {
  it("names {group.field} after its field in order of first appearance; a repeat keeps its name (checked at the Meta stand-in)", async () => {
    const { p: q, account } = await connectedProject();
    await seedGroup(q.id, { id: "grp_users", name: "users", fields: ["first_name", "last_name"] });
    await seedGroup(q.id, { id: "offers", fields: ["code"] });
    const body = await createCampaignOk(q.manager, {
      title: "Offer: Diwali 2026!",
      message: "Hello {users.first_name} {users.last_name}, use {offers.code} today. See you, {users.first_name}.",
    });
    expect(body.campaign.variables).toEqual(["users.first_name", "users.last_name", "offers.code"]);
    // Meta reviews it: PENDING until then, and the campaign says so.
    expect(body.campaign.whatsAppTemplatesStatus).toBe("PENDING");
    const listed = await graph(
      account,
      "GET",
      `${account.wabaId}/message_templates?name=${body.campaign.templateName}`,
    );
    expect(listed.body.data).toEqual([
      expect.objectContaining({
        name: expect.stringMatching(/^offer_diwali_2026_[0-9a-f]{8}$/),
        language: "en_US",
        category: "MARKETING",
        components: [
          {
            type: "BODY",
            text: "Hello {{first_name}} {{last_name}}, use {{code}} today. See you, {{first_name}}.",
            example: {
              body_text_named_params: [
                { param_name: "first_name", example: "sample 1" },
                { param_name: "last_name", example: "sample 2" },
                { param_name: "code", example: "sample 3" },
              ],
            },
          },
        ],
      }),
    ]);
  });

  it("turns a url button's trailing {group.field} into a per-recipient suffix", async () => {
    await seedGroup(p.id, { id: "payments", fields: ["link"] });
    const body = await createCampaignOk(p.manager, {
      title: "Pay now",
      message: "Your invoice is ready.",
      buttons: [
        { text: "Pay", type: "url", url: "https://pay.example.com/i/{payments.link}" },
        { text: "Call us", type: "phone", phoneNumber: "+1 (555) 005-1310" },
      ],
    });
    expect(body.campaign.buttons).toEqual([
      { text: "Pay", type: "url", url: "https://pay.example.com/i/{payments.link}" },
      { text: "Call us", type: "phone", phoneNumber: "+15550051310" },
    ]);
    const template = await templateRow(body.campaign.templateId);
    expect(JSON.parse(template?.definition).buttons).toEqual([
      { type: "URL", text: "Pay", url: "https://pay.example.com/i/{{1}}" },
      { type: "PHONE_NUMBER", text: "Call us", phoneNumber: "+15550051310" },
    ]);
    expect(JSON.parse(template?.params)).toEqual({
      header: null,
      body: 0,
      buttons: [{ index: 0, type: "URL", params: 1 }],
      quickReplies: [],
    });
  });

  it.each([
    ["enUS", "en_US"],
    ["en-GB", "en_GB"],
    ["pt_BR", "pt_BR"],
    ["es_419", "es_419"],
    ["fr", "fr"],
  ])("reads languageCode %s as %s", async (given, stored) => {
    const body = await createCampaignOk(p.manager, {
      title: `Language ${given}`,
      message: "Hello there.",
      options: { languageCode: given },
    });
    expect(body.campaign.locale).toBe(stored);
    expect((await templateRow(body.campaign.templateId))?.language).toBe(stored);
  });

  it("takes the options at the top level too, and UTILITY as the template type", async () => {
    const body = await createCampaignOk(p.manager, {
      title: "Top level",
      message: "Your order has shipped.",
      languageCode: "enUS",
      whatsAppTemplateType: "utility",
    });
    expect(body.campaign).toMatchObject({ locale: "en_US", templateType: "UTILITY" });
  });

  it("creates the input group, named after the title, for input buttons", async () => {
    const body = await createCampaignOk(p.manager, {
      title: "Survey",
      message: "Did you like it?",
      buttons: [
        { text: "Yes", type: "input", input: "liked" },
        { text: "No", type: "input" },
      ],
    });
    expect(body.campaign.buttons).toEqual([
      { text: "Yes", type: "input", input: "liked" },
      { text: "No", type: "input", input: "No" },
    ]);
    const group = await env.DB.prepare("SELECT * FROM variable_groups WHERE project_id = ?")
      .bind(p.id)
      .first<Record<string, any>>();
    expect(group).toMatchObject({
      id: `input_${body.campaign.campaignId}`,
      name: "Survey",
      kind: "input",
      campaign_id: body.campaign.campaignId,
      fields: JSON.stringify(["button", "input", "pressedAt"]),
    });
  });
});

describe("runs at creation", () => {
  beforeEach(async () => {
    await seedAudience(p.id, { id: "vip", numbers: ["+919876543210"] });
  });

  it("runImmediately false (the default) creates the template only", async () => {
    const body = await createCampaignOk(p.manager, {
      title: "Later",
      message: "Hello.",
      options: { runImmediately: false, audiences: ["vip"] },
    });
    expect(body.run).toBeNull();
    expect((await rowCounts(p.id)).runs).toBe(0);
  });

  it("runImmediately false with a timeToRun (Unix seconds) schedules a run", async () => {
    const at = Math.floor(Date.now() / 1000) + 3600;
    const body = await createCampaignOk(p.manager, {
      title: "Scheduled",
      message: "Hello.",
      options: { runImmediately: false, audiences: ["vip"], timeToRun: at },
    });
    expect(body.run).toMatchObject({
      status: "scheduled",
      audiences: ["vip"],
      timeToRun: new Date(at * 1000).toISOString(),
    });
    expect(body.campaign.active).toBe(true);
  });

  it("runImmediately needs audiences, and known ones; nothing is written otherwise", async () => {
    expect(
      fieldsOf(await createCampaign(p.manager, { title: "A", message: "Hi.", options: { runImmediately: true } })),
    ).toEqual([["options.audiences", 'is required to run the campaign: audience ids or names, or ["all"]']]);
    expect(
      fieldsOf(
        await createCampaign(p.manager, {
          title: "A",
          message: "Hi.",
          runImmediately: "true",
          audiences: ["nope", "vip"],
        }),
      ),
    ).toEqual([["audiences", "no audience with this id or unique name: nope"]]);
    expect(await rowCounts(p.id)).toEqual({ campaigns: 0, templates: 0, variableGroups: 0, runs: 0 });
  });

  it("rejects a timeToRun that is not a time", async () => {
    expect(
      fieldsOf(
        await createCampaign(p.manager, {
          title: "A",
          message: "Hi.",
          options: { audiences: ["vip"], timeToRun: "soon" },
        }),
      ),
    ).toEqual([["options.timeToRun", "must be a Unix timestamp (seconds or milliseconds) or an ISO 8601 time"]]);
  });
});

describe("button rules", () => {
  beforeEach(async () => {
    await seedJourney(p.id, "j1");
  });

  const quick = (n: number) => Array.from({ length: n }, (_, i) => ({ text: `Option ${i}`, type: "input" }));
  const url = (text = "Visit") => ({ text, type: "url", url: "https://example.com" });
  const phone = { text: "Call", type: "phone", phoneNumber: "+15550051310" };

  it.each([
    ["11 buttons", quick(11), [["buttons", "WhatsApp allows at most 10 buttons; got 11"]]],
    [
      "a 26-character label",
      [{ text: "x".repeat(26), type: "input" }],
      [["buttons.0.text", "must be at most 25 characters (WhatsApp's limit); got 26"]],
    ],
    ["an empty label", [{ text: "  ", type: "input" }], [["buttons.0.text", "must not be empty"]]],
    [
      "three url buttons",
      [url("A"), url("B"), url("C")],
      [["buttons.2.type", "WhatsApp allows at most 2 url buttons"]],
    ],
    ["two phone buttons", [phone, phone], [["buttons.1.type", "WhatsApp allows at most 1 phone button"]]],
    [
      "phone with input",
      [{ text: "Yes", type: "input" }, phone],
      [
        [
          "buttons.1.type",
          "phone buttons cannot be combined with input buttons: phone and url buttons may only be used together, never with input or journey buttons",
        ],
      ],
    ],
    [
      "url before journey",
      [url(), { text: "Go", type: "journey", journeyId: "j1" }],
      [
        [
          "buttons.1.type",
          "journey buttons cannot be combined with url buttons: phone and url buttons may only be used together, never with input or journey buttons",
        ],
      ],
    ],
    [
      "a journey button without journeyId",
      [{ text: "Go", type: "journey" }],
      [["buttons.0.journeyId", "is required for a journey button"]],
    ],
    [
      "a phone button without a country code",
      [{ ...phone, phoneNumber: "0123" }],
      [["buttons.0.phoneNumber", "must be a phone number with its country code, e.g. +15550051310"]],
    ],
    [
      "a phone button without a number",
      [{ text: "Call", type: "phone" }],
      [["buttons.0.phoneNumber", "is required for a phone button"]],
    ],
    ["a url button without a url", [{ text: "Go", type: "url" }], [["buttons.0.url", "is required for a url button"]]],
    [
      "an ftp url",
      [{ ...url(), url: "ftp://example.com/x" }],
      [["buttons.0.url", "must be an http:// or https:// URL"]],
    ],
    [
      "a url over 2000 characters",
      [{ ...url(), url: `https://example.com/${"a".repeat(2000)}` }],
      [["buttons.0.url", "must be at most 2000 characters"]],
    ],
    [
      "a variable in the middle of a url",
      [{ ...url(), url: "https://example.com/{pay.link}/x" }],
      [["buttons.0.url", "may end in one variable, {group.field} (a per-recipient suffix), and have none elsewhere"]],
    ],
    ["an unknown type", [{ text: "Go", type: "flow" }], [["buttons.0.type", expect.any(String)]]],
  ])("400s %s", async (_label, buttons, fields) => {
    const result = await createCampaign(p.manager, { title: "Buttons", message: "Pick one.", buttons });
    expect(fieldsOf(result)).toEqual(fields);
    expect((await rowCounts(p.id)).templates).toBe(0);
  });

  it("accepts 10 quick replies, and 2 url buttons with a phone button", async () => {
    await createCampaignOk(p.manager, { title: "Ten", message: "Pick one.", buttons: quick(10) });
    await createCampaignOk(p.manager, {
      title: "Calls to action",
      message: "Pick one.",
      buttons: [url("A"), phone, url("B")],
    });
  });

  it("400s a journey id that is not one of the project's journeys", async () => {
    const other = await newProject("other");
    await seedJourney(other.id, "theirs");
    const result = await createCampaign(p.manager, {
      title: "Journeys",
      message: "Start?",
      buttons: [
        { text: "Mine", type: "journey", journeyId: "j1" },
        { text: "Theirs", type: "journey", journeyId: "theirs" },
      ],
    });
    expect(fieldsOf(result)).toEqual([["buttons.1.journeyId", 'there is no journey with id "theirs"']]);
  });
});

describe("message and variables", () => {
  beforeEach(async () => {
    await seedGroup(p.id, { id: "users", fields: ["first_name"] });
  });

  it.each([
    [
      "a group that does not exist",
      "Hi {people.first_name}, welcome.",
      '{people.first_name}: there is no variable group named "people"',
    ],
    [
      "a field the group lacks",
      "Hi {users.nickname}, welcome.",
      '{users.nickname}: variable group "users" has no field "nickname" (its fields: first_name)',
    ],
    [
      "template syntax",
      "Hi {{1}}, welcome.",
      "double braces ({{…}}) are not allowed: write variables as {group.field}, e.g. {users.first_name}",
    ],
    [
      "an unmatched brace",
      "Hi {users.first_name, welcome.",
      "has an unmatched { or }: variables are written {group.field}",
    ],
    ["a variable at the very end", "Welcome, {users.first_name}", "must not end with a variable"],
    ["a variable at the very start", "{users.first_name}, welcome.", "must not start with a variable"],
    ["an empty message", "   ", "must not be empty"],
    [
      "a message over 1024 characters",
      "x".repeat(1025),
      "must be at most 1024 characters (WhatsApp's limit for a template body)",
    ],
  ])("400s %s", async (_label, message, reason) => {
    const result = await createCampaign(p.manager, { title: "Vars", message });
    expect(fieldsOf(result)).toEqual([["message", reason]]);
  });

  it("400s a url suffix variable the group lacks, naming the button", async () => {
    const result = await createCampaign(p.manager, {
      title: "Vars",
      message: "Pay here.",
      buttons: [{ text: "Pay", type: "url", url: "https://pay.example.com/{users.link}" }],
    });
    expect(fieldsOf(result)).toEqual([
      ["buttons.0.url", '{users.link}: variable group "users" has no field "link" (its fields: first_name)'],
    ]);
  });

  it("does not read another project's variable groups", async () => {
    const other = await newProject("other");
    await seedGroup(other.id, { id: "theirs", fields: ["name"] });
    const result = await createCampaign(p.manager, { title: "Vars", message: "Hi {theirs.name}, welcome." });
    expect(fieldsOf(result)).toEqual([["message", '{theirs.name}: there is no variable group named "theirs"']]);
  });
});

describe("other inputs", () => {
  it.each([
    [{ message: "Hi." }, [["title", "is required"]]],
    [{ title: "   ", message: "Hi." }, [["title", "must not be empty"]]],
    [{ title: "x".repeat(101), message: "Hi." }, [["title", "must be at most 100 characters"]]],
    [{ title: "T" }, [["message", "is required"]]],
    [
      { title: "T", message: "Hi.", templateType: "AUTHENTICATION" },
      [["templateType", "must be one of MARKETING, UTILITY"]],
    ],
    [
      { title: "T", message: "Hi.", options: { languageCode: "english" } },
      [["options.languageCode", "must be a language code such as en_US (or enUS), en or pt_BR"]],
    ],
    [
      { title: "T", message: "Hi.", imgUrl: "http://media.example.test/image.jpg" },
      [["imgUrl", "must be an https:// URL of a JPEG or PNG image"]],
    ],
  ])("400s %j", async (body, fields) => {
    expect(fieldsOf(await createCampaign(p.manager, body))).toEqual(fields);
  });

  it("400s an image URL that is not a downloadable image (checked like a send's media)", async () => {
    const result = await createCampaign(p.manager, {
      title: "T",
      message: "Hi.",
      imgUrl: "https://media.example.test/notes.txt",
    });
    expect(fieldsOf(result)).toEqual([["imgUrl", expect.stringContaining("text/plain")]]);
  });

  it("400s a type error with the zod path", async () => {
    expectError(await createCampaign(p.manager, { title: 5, message: "Hi." }), 400, "validation_failed", ["title"]);
    expectError(
      await createCampaign(p.manager, { title: "T", message: "Hi.", buttons: {} }),
      400,
      "validation_failed",
      ["buttons"],
    );
  });

  it("409s a title already used by a broadcast campaign of the project, not by another project's", async () => {
    await createCampaignOk(p.manager, { title: "Unique", message: "Hi." });
    const again = await createCampaign(p.manager, { title: " Unique ", message: "Hello." });
    expectError(again, 409, "conflict", ["title"]);
    expect(again.body.error.message).toBe('a broadcast campaign titled "Unique" already exists');
    const other = await newProject("other");
    await createCampaignOk(other.manager, { title: "Unique", message: "Hi." });
    expect((await rowCounts(p.id)).templates).toBe(1);
  });

  it("409s input buttons when a variable group already has the title as its name", async () => {
    await seedGroup(p.id, { id: "g", name: "Feedback", fields: ["x"] });
    const result = await createCampaign(p.manager, {
      title: "Feedback",
      message: "Rate us.",
      buttons: [{ text: "Good", type: "input" }],
    });
    expectError(result, 409, "conflict", ["title"]);
    expect((await rowCounts(p.id)).templates).toBe(0);
    // Without input buttons no group is made, so the name is free.
    await createCampaignOk(p.manager, { title: "Feedback", message: "Rate us." });
  });
});

describe("the provider", () => {
  const failure = (cls: ProviderError["class"]) => ({
    ok: false as const,
    error: { class: cls, code: 100, title: "Invalid parameter", message: "Bad template", httpStatus: 400 },
  });

  it.each([
    ["retryable", 502, "provider_error"],
    ["permanent", 422, "unprocessable"],
    ["account", 409, "not_configured"],
  ] as const)("answers a %s refusal with %i %s and stores nothing", async (cls, status, code) => {
    vi.spyOn(SandboxProvider.prototype, "createTemplate").mockResolvedValue(failure(cls));
    expectError(await createCampaign(p.manager, { title: "T", message: "Hi." }), status, code);
    expect(await rowCounts(p.id)).toEqual({ campaigns: 0, templates: 0, variableGroups: 0, runs: 0 });
  });

  it("answers a provider that throws with a clean 502", async () => {
    vi.spyOn(SandboxProvider.prototype, "createTemplate").mockRejectedValue(new Error("socket hang up"));
    const result = await createCampaign(p.manager, { title: "T", message: "Hi." });
    expectError(result, 502, "provider_error");
    expect(result.body.error.message).toBe("WhatsApp could not create the campaign's template; try again later");
  });

  it("409s not_configured for a Meta account without an access token", async () => {
    await setAccount(p.id, { provider: "meta", wabaId: `waba-${p.id}` });
    expectError(await createCampaign(p.manager, { title: "T", message: "Hi." }), 409, "not_configured");
    expect((await rowCounts(p.id)).campaigns).toBe(0);
  });
});

describe("a run request posted to the create path (the document's Send Campaign curl)", () => {
  it("runs an existing campaign: 202 with the run", async () => {
    await seedAudience(p.id, { id: "vip", numbers: ["+919876543210"] });
    const { campaign } = await createCampaignOk(p.manager, { title: "Rerun", message: "Hi." });
    const result = await createCampaign(p.manager, { campaignId: campaign.campaignId, audiences: ["all"] });
    expect(result.status, JSON.stringify(result.body)).toBe(202);
    expect(result.body).toMatchObject({
      status: "success",
      run: { campaignId: campaign.campaignId, audiences: ["all"], status: "fanning_out" },
    });
  });

  it("dry-runs, as the run endpoint does", async () => {
    await seedAudience(p.id, { id: "vip", numbers: ["+919876543210"] });
    const { campaign } = await createCampaignOk(p.manager, { title: "Dry", message: "Hi." });
    const result = await createCampaign(p.manager, {
      campaignId: campaign.campaignId,
      audiences: ["vip"],
      dryRun: true,
    });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body).toEqual({
      status: "success",
      dryRun: {
        recipients: 1,
        wouldSend: 1,
        skipped: { opted_out: 0, us_marketing_paused: 0, missing_variable: {} },
        templateStatus: "APPROVED",
      },
    });
    expect((await rowCounts(p.id)).runs).toBe(0);
  });

  it("as printed ({ campaignId } alone): 400 naming audiences, which the run endpoint requires", async () => {
    const { campaign } = await createCampaignOk(p.manager, { title: "Rerun", message: "Hi." });
    expectError(await createCampaign(p.manager, { campaignId: campaign.campaignId }), 400, "validation_failed", [
      "audiences",
    ]);
  });

  it("404s another project's campaign id", async () => {
    const other = await newProject("other");
    const { campaign } = await createCampaignOk(other.manager, { title: "Theirs", message: "Hi." });
    expectError(
      await createCampaign(p.manager, { campaignId: campaign.campaignId, audiences: ["all"] }),
      404,
      "not_found",
    );
  });
});

describe("auth", () => {
  it("401s without a key and 403s a sender key", async () => {
    expectError(await call("POST", CREATE, { body: { title: "T", message: "Hi." } }), 401, "unauthorized");
    expectError(await createCampaign(p.sender, { title: "T", message: "Hi." }), 403, "forbidden");
    expect((await rowCounts(p.id)).campaigns).toBe(0);
  });
});
