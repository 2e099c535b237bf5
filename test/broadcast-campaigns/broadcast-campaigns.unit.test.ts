import { describe, expect, it } from "vitest";
import { normalizeLanguage, templateNameFor } from "../../src/features/broadcast-campaigns/template";
import { type BroadcastCampaign, groupRefsOf, recipientMessage } from "../../src/features/broadcast-messages/campaign";
import { numberPlaceholders, urlPlaceholder } from "../../src/features/broadcast-messages/placeholders";
import { EMPTY_RESULTS, toResults } from "../../src/features/stats/results";

describe("numberPlaceholders", () => {
  it("names each distinct reference once after its field, in order of first appearance", () => {
    expect(
      numberPlaceholders("Hi {users.first_name} {users.last_name}; {offers.code} for {users.first_name}!"),
    ).toEqual({
      text: "Hi {{first_name}} {{last_name}}; {{code}} for {{first_name}}!",
      variables: ["users.first_name", "users.last_name", "offers.code"],
      names: ["first_name", "last_name", "code"],
      problems: [],
    });
  });

  it("reads the field after the last dot (group ids may hold dots) and trims spaces", () => {
    expect(numberPlaceholders("Hi { crm.v2.users . name }.")).toMatchObject({
      text: "Hi {{name}}.",
      variables: ["crm.v2.users.name"],
    });
  });

  it("gives fields of the same name, and fields Meta would refuse as names, names Meta accepts", () => {
    expect(numberPlaceholders("{users.name} {orders.name} {x.name} {Crm.Prénom} {users.2nd} {users.-}.")).toMatchObject(
      {
        text: "{{name}} {{orders_name}} {{x_name}} {{prenom}} {{v_2nd}} {{value}}.",
        names: ["name", "orders_name", "x_name", "prenom", "v_2nd", "value"],
      },
    );
    expect(numberPlaceholders("{a.name} {a_name.x} {b.a_name} {c.name}").names).toEqual([
      "name",
      "x",
      "a_name",
      "c_name",
    ]);
    expect(numberPlaceholders("{a.x} {b.x} {b.X} {c.b_x}").names).toEqual(["x", "b_x", "b_x_2", "c_b_x"]);
  });

  it.each([
    ["My message {}", "{} is not a variable"],
    ["Hi {name}", "{name} is not a variable"],
    ["Hi {.name} and {users.}", "{.name}, {users.} are not variables"],
    ["Hi {{1}}", "double braces"],
    ["Price } here", "unmatched"],
  ])("reports %j", (message, problem) => {
    expect(numberPlaceholders(message).problems.join(" ")).toContain(problem);
  });

  it("leaves a message without variables as it is", () => {
    expect(numberPlaceholders("Just text.")).toEqual({ text: "Just text.", variables: [], names: [], problems: [] });
  });
});

describe("urlPlaceholder", () => {
  it.each([
    ["https://x.test/a", { url: "https://x.test/a", variable: null, problems: [] }],
    ["https://x.test/p/{pay.id}", { url: "https://x.test/p/{{1}}", variable: "pay.id", problems: [] }],
  ])("%s", (url, expected) => {
    expect(urlPlaceholder(url)).toEqual(expected);
  });

  it.each(["https://x.test/{pay.id}/x", "https://x.test/{a.b}{c.d}", "https://x.test/{nodot}", "https://x.test/{{1}}"])(
    "refuses %s",
    (url) => {
      expect(urlPlaceholder(url).problems).toHaveLength(1);
    },
  );
});

const campaign = (overrides: Partial<BroadcastCampaign> = {}): BroadcastCampaign => ({
  id: "cmp_1",
  projectId: "prj_1",
  title: "T",
  templateId: "tpl_1",
  templateName: "t_1234abcd",
  language: "en_US",
  category: "MARKETING",
  templateStatus: "APPROVED",
  message: "Hi {users.first_name}, {offers.code}.",
  variables: ["users.first_name", "offers.code"],
  bodyNames: null,
  imgUrl: null,
  imgMedia: null,
  buttons: [],
  trackClicks: false,
  createdAt: 0,
  ...overrides,
});

describe("recipientMessage", () => {
  const values: Record<string, string> = { "users.first_name": "Asha", "offers.code": "X1", "pay.id": "inv-9" };
  const lookup = (ref: string) => values[ref];

  it("names the body's values for a NAMED template, and leaves a POSITIONAL one's (a campaign made before) unnamed", () => {
    const named = recipientMessage(campaign({ bodyNames: ["first_name", "code"] }), "+919800000001", lookup);
    expect(named).toMatchObject({
      ok: true,
      message: { body: ["Asha", "X1"], names: { body: ["first_name", "code"] } },
    });
    const positional = recipientMessage(campaign(), "+919800000001", lookup);
    expect(positional.ok && "names" in positional.message).toBe(false);
  });

  it("fills the body in variables order, with the image header and button parameters", () => {
    const result = recipientMessage(
      campaign({
        imgUrl: "https://media.example.test/image.jpg",
        buttons: [
          { type: "url", text: "Pay", url: "https://pay.test/{pay.id}" },
          { type: "url", text: "Site", url: "https://pay.test/" },
        ],
      }),
      "+919800000001",
      lookup,
    );
    expect(result).toEqual({
      ok: true,
      message: {
        to: "+919800000001",
        template: { name: "t_1234abcd", language: "en_US", category: "MARKETING" },
        body: ["Asha", "X1"],
        header: { type: "image", link: "https://media.example.test/image.jpg" },
        buttons: [{ index: 0, subType: "url", text: "inv-9" }],
      },
    });
  });

  it("puts the campaign's payload on every quick reply", () => {
    const result = recipientMessage(
      campaign({
        variables: [],
        buttons: [
          { type: "journey", text: "Go", journeyId: "j" },
          { type: "input", text: "Yes", input: "yes" },
        ],
      }),
      "+919800000001",
      lookup,
    );
    expect(result.ok && result.message.buttons).toEqual([
      { index: 0, subType: "quick_reply", payload: "bcb:cmp_1:0" },
      { index: 1, subType: "quick_reply", payload: "bcb:cmp_1:1" },
    ]);
  });

  it.each([
    [{}, "missing_variable:users.first_name"],
    [{ "users.first_name": "  " }, "missing_variable:users.first_name"],
    [{ "users.first_name": "two\nlines" }, "missing_variable:users.first_name"],
    [{ "users.first_name": "a     b" }, "missing_variable:users.first_name"],
    [{ "users.first_name": "Asha" }, "missing_variable:offers.code"],
  ])("skips %j with %s", (given, reason) => {
    expect(recipientMessage(campaign(), "+919800000001", (ref) => (given as Record<string, string>)[ref])).toEqual({
      ok: false,
      reason,
    });
  });

  it("skips a url suffix that is missing or holds a space", () => {
    const withUrl = campaign({
      variables: [],
      buttons: [{ type: "url", text: "Pay", url: "https://pay.test/{pay.id}" }],
    });
    expect(recipientMessage(withUrl, "+1", () => undefined)).toEqual({ ok: false, reason: "missing_variable:pay.id" });
    expect(recipientMessage(withUrl, "+1", () => "a b")).toEqual({ ok: false, reason: "missing_variable:pay.id" });
  });

  it("answers template_deleted when the template is gone", () => {
    expect(recipientMessage(campaign({ templateName: null }), "+1", lookup)).toEqual({
      ok: false,
      reason: "template_deleted",
    });
  });
});

describe("groupRefsOf", () => {
  it("lists each group once, url suffixes included", () => {
    expect(
      groupRefsOf(
        campaign({
          variables: ["users.a", "users.b", "offers.code"],
          buttons: [{ type: "url", text: "Pay", url: "https://pay.test/{pay.id}" }],
        }),
      ),
    ).toEqual(["users", "offers", "pay"]);
  });
});

describe("template names and languages", () => {
  it.each([
    ["My Marketing Campaign", /^my_marketing_campaign_[0-9a-f]{8}$/],
    ["Offre spéciale: été!", /^offre_speciale_ete_[0-9a-f]{8}$/],
    ["!!!", /^campaign_[0-9a-f]{8}$/],
    ["x".repeat(100), /^x{60}_[0-9a-f]{8}$/],
  ])("names %j", (title, pattern) => {
    expect(templateNameFor(title)).toMatch(pattern);
  });

  it.each([
    ["enUS", "en_US"],
    ["en_us", "en_US"],
    ["EN-gb", "en_GB"],
    ["es419", "es_419"],
    ["EN", "en"],
    ["english", "english"],
  ])("reads %s as %s", (code, expected) => {
    expect(normalizeLanguage(code)).toBe(expected);
  });
});

describe("toResults", () => {
  it("renames the counters to the document's names", () => {
    expect(
      toResults({
        queued: 1,
        sent: 2,
        delivered: 3,
        read: 4,
        sendErrors: 5,
        deliveryErrors: 6,
        notOnWhatsApp: 7,
        marketingLimited: 9,
        marketingExperiment: 10,
        skipped: 8,
        readRate: 0.5,
        deliveryRate: 0.25,
      }),
    ).toEqual({
      Queued: 1,
      Sent: 2,
      Delivered: 3,
      Read: 4,
      SendErrors: 5,
      DeliveryErrors: 6,
      NumbersNotOnWhatsApp: 7,
      MarketingLimited: 9,
      MarketingExperiment: 10,
      Skipped: 8,
      ReadRate: 0.5,
      DeliveryRate: 0.25,
    });
    expect(Object.values(EMPTY_RESULTS).every((v) => v === 0)).toBe(true);
  });
});
