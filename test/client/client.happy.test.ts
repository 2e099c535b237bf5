import { describe, expect, it } from "vitest";
import Chat, { ChatApiError, type FetchLike } from "../../src/client/index";
import { setup as apiCampaignSetup } from "../api-campaigns/api-send.helpers";
import { expectNoSecrets, ISO, newProject } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { BASE, worker as plainWorker } from "./client.helpers";

/** The Worker itself, with every answer checked for leaked keys, as the `api` helper does. */
const worker: FetchLike = async (input, init) => {
  const response = await plainWorker(input, init);
  const text = await response.clone().text();
  expectNoSecrets(
    { status: response.status, headers: response.headers, body: text },
    `${init.method} ${input} -> ${response.status}`,
  );
  return response;
};

const clientOf = (key: string) => new Chat(key, { baseUrl: BASE, fetch: worker });

describe("client: the reference document's examples, in order", { timeout: 60_000 }, () => {
  it("creates, fills, runs and reads back a campaign", async () => {
    const p = await newProject();
    const chat = clientOf(p.manager);

    // Create Audience
    const created = await chat.createAudience({
      id: "myAudienceId",
      name: "My Audience",
      description: "This is my audience",
      contacts: [
        {
          number: "1234567890",
        },
      ],
    });
    expect(created).toEqual({
      status: "success",
      audience: {
        id: "myAudienceId",
        name: "My Audience",
        description: "This is my audience",
        type: "list",
        filter: null,
        contacts: 1,
        createdAt: expect.stringMatching(ISO),
        updatedAt: expect.stringMatching(ISO),
      },
      added: 1,
    });

    // Add Contacts to Audience: the same number again adds no membership; a new one does.
    const again = await chat.addContactsToAudience({
      id: "myAudienceId",
      contacts: [
        {
          number: "1234567890",
        },
      ],
    });
    expect(again).toMatchObject({ status: "success", audience: { id: "myAudienceId", contacts: 1 }, added: 0 });
    const added = await chat.addContactsToAudience({ id: "myAudienceId", contacts: [{ number: "+919876543210" }] });
    expect(added).toMatchObject({ audience: { contacts: 2 }, added: 1 });

    // Create Variable Group (the reference's example lacks a comma after `fields`; otherwise verbatim)
    const group = await chat.createVariableGroup({
      id: "myVariableGroupId",
      name: "My Variable Group",
      description: "This is my variable group",
      fields: ["first_name", "last_name"],
      values: [
        {
          number: "1234567890",
          first_name: "John",
          last_name: "Doe",
        },
      ],
    });
    expect(group).toEqual({
      status: "success",
      variableGroup: {
        id: "myVariableGroupId",
        name: "My Variable Group",
        description: "This is my variable group",
        fields: ["first_name", "last_name"],
        type: "values",
        campaignId: null,
        values: 1,
        createdAt: expect.stringMatching(ISO),
        updatedAt: expect.stringMatching(ISO),
      },
    });

    // Retrieve Variable Groups: the reference's array of { name, fields }.
    const groups = await chat.retrieveVariableGroups();
    expect(groups).toEqual([group.variableGroup]);

    // Create Campaign: its journey button needs the journey, and its audience the name it targets.
    await chat.createJourney({ id: "myJourneyId", name: "Welcome", messages: [{ text: "Welcome aboard!" }] });
    await chat.createAudience({ id: "frequent", name: "Frequent Shoppers", contacts: [{ number: "+919876543210" }] });
    const campaign = await chat.createCampaign(
      {
        title: "My Marketing Campaign",
        message: "This is an awesome broadcast campaign message.",
        buttons: [
          {
            text: "Button 1",
            type: "journey",
            journeyId: "myJourneyId",
          },
        ],
      },
      {
        runImmediately: true,
        audiences: ["Frequent Shoppers"],
      },
    );
    expect(campaign).toMatchObject({
      status: "success",
      campaign: {
        title: "My Marketing Campaign",
        message: "This is an awesome broadcast campaign message.",
        buttons: [{ text: "Button 1", type: "journey", journeyId: "myJourneyId" }],
        locale: "en_US",
        variables: [],
      },
      run: { campaignId: campaign.campaign.campaignId, audiences: ["Frequent Shoppers"] },
    });
    const campaignId = campaign.campaign.campaignId;

    // Send Campaign: a second run, to everyone.
    const run = await chat.runCampaign({
      campaignId,
      audiences: ["all"],
    });
    expect(run).toMatchObject({ status: "success", run: { campaignId, audiences: ["all"] } });
    expect(run.run.runId).not.toBe(campaign.run?.runId);

    // Retrieve Audiences
    const audiences = await chat.retrieveAudiences();
    expect(audiences.status).toBe("success");
    expect(audiences.audiences.map((a) => [a.id, a.contacts]).sort()).toEqual([
      ["frequent", 1],
      ["myAudienceId", 2],
    ]);
    expect(audiences.nextCursor).toBeNull();

    // Retrieve Audience Contacts, under the reference's spelling and the proper one.
    const contacts = await chat.retrieveAudienceCotacts({
      id: "myAudienceId",
    });
    expect(contacts).toEqual({
      status: "success",
      audience: { id: "myAudienceId", name: "My Audience", type: "list" },
      contacts: expect.arrayContaining([
        { number: "+911234567890", name: null, source: null, optedOut: false },
        { number: "+919876543210", name: null, source: null, optedOut: false },
      ]),
      nextCursor: null,
    });
    expect(await chat.retrieveAudienceContacts({ id: "myAudienceId" })).toEqual(contacts);

    // Retrieve All Campaigns, once both runs have sent.
    const campaigns = await eventually(
      () => chat.retrieveCampaigns(),
      (r) => r.campaigns[0]?.runs.every((x) => x.status === "completed") === true,
    );
    expect(campaigns).toMatchObject({
      status: "success",
      campaigns: [{ campaignId, whatsAppTemplatesStatus: "APPROVED", active: expect.any(Boolean) }],
      nextCursor: null,
    });
    const listed = campaigns.campaigns[0];
    expect(listed?.runs.map((r) => r.runId).sort()).toEqual([campaign.run?.runId, run.run.runId].sort());
    // Both runs are done, so the campaign is no longer active.
    expect((await chat.retrieveCampaigns({ active: true })).campaigns).toEqual([]);
    expect((await chat.retrieveCampaigns({ active: false })).campaigns.map((c) => c.campaignId)).toEqual([campaignId]);

    // Retrieving Campaign Details: one row per recipient of each run (1 + 2), as JSON and as CSV.
    const details = await chat.retrieveCampaignDetails({
      campaignId,
    });
    expect(details).toHaveLength(3);
    for (const recipient of details) {
      expect(recipient).toMatchObject({ action: recipient.status, runId: expect.any(String) });
    }
    expect(details.map((r) => r.number).sort()).toEqual(["+911234567890", "+919876543210", "+919876543210"]);
    // The counters follow the ledger through its outbox, a moment after the rows change: read them
    // again until they have caught up with what the details show.
    const sentInDetails = details.filter((r) => r.sentAt !== null).length;
    const counted = await eventually(
      () => chat.retrieveCampaigns(),
      (r) => r.campaigns[0]?.totalSent === sentInDetails,
    );
    expect(counted.campaigns[0]?.totalSent).toBe(sentInDetails);

    const csv = await chat.retrieveCampaignDetails({ campaignId, format: "csv" });
    expect(typeof csv).toBe("string");
    const [header, ...rows] = csv.trim().split(/\r?\n/);
    expect(header?.split(",")).toEqual(expect.arrayContaining(["number", "status", "action", "runId"]));
    expect(rows).toHaveLength(3);

    // One run's details.
    const ofRun = await chat.retrieveCampaignDetails({ campaignId, runId: run.run.runId });
    expect(ofRun.map((r) => r.number).sort()).toEqual(["+911234567890", "+919876543210"]);
  });
});

describe("client: beyond the reference", { timeout: 60_000 }, () => {
  it("reads a variable group's values", async () => {
    const p = await newProject();
    const chat = clientOf(p.manager);
    await chat.createVariableGroup({
      id: "users",
      name: "Users",
      fields: ["first_name"],
      values: [{ number: "+919876543210", first_name: "Asha" }],
    });
    const values = await chat.retrieveVariableGroupValues({ id: "users" });
    expect(values).toMatchObject({
      status: "success",
      variableGroup: { id: "users", fields: ["first_name"], values: 1 },
      values: [{ number: "+919876543210", first_name: "Asha" }],
      nextCursor: null,
    });
  });

  it("dry-runs, schedules with a Date, lists and cancels a run", async () => {
    const p = await newProject();
    const chat = clientOf(p.manager);
    await chat.createAudience({ id: "list", name: "List", contacts: [{ number: "+919876543210" }] });
    const { campaign } = await chat.createCampaign({ title: "Later", message: "See you later" });

    const dry = await chat.runCampaign({ campaignId: campaign.campaignId, audiences: ["all"], dryRun: true });
    expect(dry).toEqual({
      status: "success",
      dryRun: {
        recipients: 1,
        wouldSend: 1,
        skipped: { opted_out: 0, us_marketing_paused: 0, missing_variable: {} },
        templateStatus: expect.any(String),
      },
    });

    const at = new Date(Date.now() + 86_400_000);
    at.setUTCMilliseconds(0);
    const scheduled = await chat.runCampaign({ campaignId: campaign.campaignId, audiences: ["list"], timeToRun: at });
    expect(scheduled.run).toMatchObject({ status: "scheduled", timeToRun: at.toISOString() });

    const runs = await chat.retrieveRuns({ campaignId: campaign.campaignId });
    expect(runs).toMatchObject({ status: "success", runs: [{ runId: scheduled.run.runId }], nextCursor: null });
    expect(await chat.retrieveRun(scheduled.run.runId)).toMatchObject({ run: { runId: scheduled.run.runId } });

    // Only a sending run pauses, only a paused one resumes, only failures retry: typed 409s.
    for (const control of [chat.pauseRun, chat.resumeRun, chat.retryRun]) {
      const refused = await control.call(chat, scheduled.run.runId).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(ChatApiError);
      expect(refused).toMatchObject({ status: 409, code: "conflict" });
    }

    const cancelled = await chat.cancelRun(scheduled.run.runId);
    expect(cancelled).toMatchObject({ status: "success", run: { runId: scheduled.run.runId, status: "cancelled" } });

    // Nothing was delivered: nothing to pay.
    const empty = { delivered: 0, charged: 0, free: 0, unpriced: 0, byCategory: [], byMarket: [] };
    expect(await chat.retrieveRunBilling(scheduled.run.runId)).toMatchObject({ billing: empty });
    expect(await chat.retrieveCampaignBilling(campaign.campaignId)).toMatchObject({
      campaignId: campaign.campaignId,
      billing: empty,
    });
    // Nothing was sent: nobody to reply, no button pressed.
    const quiet = { queued: 0, sent: 0, delivered: 0, read: 0, replied: 0 };
    expect(await chat.retrieveRunAnalytics(scheduled.run.runId)).toEqual({
      status: "success",
      runId: scheduled.run.runId,
      campaignId: campaign.campaignId,
      analytics: { funnel: quiet, replyRate: 0, buttons: [] },
    });
    expect(await chat.retrieveCampaignAnalytics(campaign.campaignId)).toEqual({
      status: "success",
      campaignId: campaign.campaignId,
      analytics: { funnel: quiet, replyRate: 0, buttons: [] },
    });
  });

  it("creates and lists journeys", async () => {
    const p = await newProject();
    const chat = clientOf(p.manager);
    const journey = await chat.createJourney({ id: "welcome", name: "Welcome", messages: [{ text: "Hi!" }] });
    expect(journey).toMatchObject({ status: "success", journey: { id: "welcome", messages: [{ text: "Hi!" }] } });
    const journeys = await chat.retrieveJourneys();
    expect(journeys).toMatchObject({ status: "success", journeys: [{ id: "welcome" }], nextCursor: null });
    expect(await chat.retrieveJourney("welcome")).toMatchObject({ journey: { id: "welcome" } });
  });

  it("imports a CSV file into a variable group and its audience, and follows the import", async () => {
    const p = await newProject();
    const chat = clientOf(p.manager);
    const file = new Blob(['number,first_name\n+919876543210,Asha\n"+91 98765 00000","Ravi, Jr."\nnot-a-number,X\n']);
    const started = await chat.createVariableGroupFromFile({ id: "users", name: "Users", audienceId: "csv", file });
    expect(started).toMatchObject({
      status: "success",
      import: { status: expect.stringMatching(/^(queued|running|completed)$/), groupId: "users", audienceId: "csv" },
    });
    const done = await eventually(
      () => chat.retrieveImport(started.import.id),
      (r) => r.import.status === "completed" || r.import.status === "failed",
    );
    expect(done.import).toMatchObject({ status: "completed", rowsDone: 2, rowsRejected: 1 });
    const rejects = await chat.retrieveImportRejects(started.import.id);
    expect(rejects).toMatchObject({ status: "success", rejects: [{ line: 4 }], nextCursor: null });
    const contacts = await chat.retrieveAudienceContacts({ id: "csv" });
    expect(contacts.contacts.map((c) => c.number).sort()).toEqual(["+919876500000", "+919876543210"]);
  });

  it("imports a CSV text into an audience", async () => {
    const p = await newProject();
    const chat = clientOf(p.manager);
    const started = await chat.createAudienceFromFile({
      id: "testos",
      name: "testos",
      file: "number\n+919876543210\n",
    });
    expect(started.import.audienceId).toBe("testos");
    await eventually(
      () => chat.retrieveImport(started.import.id),
      (r) => r.import.status === "completed",
    );
    expect(await chat.retrieveAudienceContacts({ id: "testos" })).toMatchObject({
      contacts: [{ number: "+919876543210" }],
    });
  });
});

describe("client: the API-campaign send", { timeout: 30_000 }, () => {
  it("sends with the key in the body, and replays under the same idempotency key", async () => {
    const s = await apiCampaignSetup();
    const chat = new Chat(s.sender, { baseUrl: BASE, fetch: worker });
    const body = {
      campaignName: s.campaignName,
      destination: "+917428526285",
      userName: "Asha",
      templateParams: ["Asha", "#1042"],
    };
    const sent = await chat.sendApiCampaign(body, { idempotencyKey: "order-1042" });
    expect(sent).toEqual({
      success: true,
      message: "Message accepted",
      submitted_message_id: sent.messageId,
      messageId: expect.stringMatching(/^msg_/),
      status: "queued",
      skipReason: null,
      destination: "+917428526285",
      ignored: { tags: [], attributes: [] },
    });
    expect(await chat.sendApiCampaign(body, { idempotencyKey: "order-1042" })).toEqual(sent);
  });
});
