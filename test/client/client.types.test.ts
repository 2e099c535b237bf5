import type { z } from "@hono/zod-openapi";
import { describe, expectTypeOf, it } from "vitest";
import type * as client from "../../src/client/index";
import type * as analytics from "../../src/features/analytics/schemas";
import type * as apiSend from "../../src/features/api-campaigns/send-schemas";
import type * as audiences from "../../src/features/audiences/schemas";
import type * as billing from "../../src/features/billing/schemas";
import type * as recipients from "../../src/features/broadcast-campaigns/recipients";
import type * as campaigns from "../../src/features/broadcast-campaigns/schemas";
import type * as imports from "../../src/features/imports/schemas";
import type * as journeys from "../../src/features/journeys/schemas";
import type * as linkClicks from "../../src/features/link-clicks/schemas";
import type * as messagingLimit from "../../src/features/messaging-limit/schemas";
import type * as runRequests from "../../src/features/runs/request";
import type * as runs from "../../src/features/runs/schemas";
import type * as results from "../../src/features/stats/results";
import type * as timelines from "../../src/features/stats/timeline-schemas";
import type * as groups from "../../src/features/variable-groups/schemas";

// The client's hand-written types against the server's zod schemas. These assertions are checked
// by `tsc --noEmit` (part of `npm test`): a field added, renamed or retyped on one side and not on
// the other fails the type check. Requests: the client sends nothing the server does not read, and
// names every field the server reads. Responses: the types are identical.

type KeysOf<T> = T extends unknown ? keyof T : never;

describe("client types follow the server's schemas", () => {
  it("audiences", () => {
    type CreateBody = z.input<typeof audiences.CreateAudienceBody>;
    expectTypeOf<client.CreateAudienceRequest>().toExtend<CreateBody>();
    expectTypeOf<keyof client.CreateAudienceRequest>().toEqualTypeOf<keyof CreateBody>();
    expectTypeOf<client.AddContactsRequest>().toExtend<CreateBody>();
    expectTypeOf<client.RemoveContactsRequest>().toExtend<z.input<typeof audiences.RemoveContactsBody>>();
    expectTypeOf<client.SegmentFilter>().toEqualTypeOf<z.input<typeof audiences.AudienceSchema>["filter"] & {}>();
    expectTypeOf<keyof client.AudienceContactsRequest>().toEqualTypeOf<
      KeysOf<z.input<typeof audiences.AudienceContactsQuery>>
    >();

    expectTypeOf<client.Audience>().toEqualTypeOf<z.output<typeof audiences.AudienceSchema>>();
    expectTypeOf<client.AudienceResponse>().toEqualTypeOf<z.output<typeof audiences.AudienceResponse>>();
    expectTypeOf<client.AudiencesResponse>().toEqualTypeOf<z.output<typeof audiences.AudiencesResponse>>();
    expectTypeOf<client.AudienceContactsResponse>().toEqualTypeOf<
      z.output<typeof audiences.AudienceContactsResponse>
    >();
    expectTypeOf<client.RemoveContactsResponse>().toEqualTypeOf<z.output<typeof audiences.RemoveContactsResponse>>();
    expectTypeOf<client.DeletedAudienceResponse>().toEqualTypeOf<z.output<typeof audiences.DeletedAudienceResponse>>();
  });

  it("journeys", () => {
    type CreateBody = z.input<typeof journeys.CreateJourneyBody>;
    expectTypeOf<client.CreateJourneyRequest>().toEqualTypeOf<CreateBody>();
    expectTypeOf<client.Journey>().toEqualTypeOf<z.output<typeof journeys.JourneySchema>>();
  });

  it("variable groups", () => {
    type CreateBody = z.input<typeof groups.CreateVariableGroupBody>;
    expectTypeOf<client.CreateVariableGroupRequest>().toExtend<CreateBody>();
    expectTypeOf<keyof client.CreateVariableGroupRequest>().toEqualTypeOf<keyof CreateBody>();
    expectTypeOf<keyof client.VariableGroupValuesRequest>().toEqualTypeOf<
      KeysOf<z.input<typeof groups.GroupValuesQuery>>
    >();

    expectTypeOf<client.VariableGroup>().toEqualTypeOf<z.output<typeof groups.VariableGroupSchema>>();
    expectTypeOf<client.VariableGroupResponse>().toEqualTypeOf<z.output<typeof groups.VariableGroupResponse>>();
    expectTypeOf<client.VariableGroup[]>().toEqualTypeOf<z.output<typeof groups.VariableGroupsResponse>>();
    expectTypeOf<client.VariableGroupValuesResponse>().toEqualTypeOf<z.output<typeof groups.GroupValuesResponse>>();
  });

  it("campaigns", () => {
    type CreateBody = z.input<typeof campaigns.CreateCampaignBody>;
    type Options = z.input<typeof campaigns.CampaignOptions>;
    // createCampaign sends the campaign's fields plus `options` (a Date's time as an ISO string).
    expectTypeOf<client.CampaignInput & { options?: Options }>().toExtend<CreateBody>();
    expectTypeOf<keyof client.CreateCampaignOptions>().toEqualTypeOf<keyof Options>();
    expectTypeOf<Omit<client.CreateCampaignOptions, "timeToRun">>().toExtend<Options>();
    expectTypeOf<client.Button>().toExtend<NonNullable<CreateBody["buttons"]>[number]>();
    expectTypeOf<client.RetrieveCampaignsRequest>().toExtend<z.input<typeof campaigns.RetrieveCampaignsInput>>();
    expectTypeOf<keyof client.RetrieveCampaignsRequest>().toEqualTypeOf<
      keyof z.input<typeof campaigns.RetrieveCampaignsInput>
    >();
    expectTypeOf<client.CampaignDetailsRequest>().toExtend<z.input<typeof campaigns.RetrieveCampaignInput>>();

    expectTypeOf<client.Recipient>().toEqualTypeOf<z.output<typeof recipients.RecipientSchema>>();
    expectTypeOf<client.Results>().toEqualTypeOf<z.output<typeof results.ResultsSchema>>();
    expectTypeOf<client.Campaign>().toEqualTypeOf<z.output<typeof campaigns.CampaignSchema>>();
    expectTypeOf<client.CreateCampaignResponse>().toEqualTypeOf<z.output<typeof campaigns.CreateCampaignResponse>>();
    expectTypeOf<client.CampaignsResponse>().toEqualTypeOf<z.output<typeof campaigns.RetrieveCampaignsResponse>>();
  });

  it("runs", () => {
    type RunBody = z.input<typeof runRequests.RunRequestBody>;
    expectTypeOf<Omit<client.RunCampaignRequest, "timeToRun">>().toExtend<RunBody>();
    expectTypeOf<keyof client.RunCampaignRequest>().toEqualTypeOf<keyof RunBody>();

    expectTypeOf<client.Run>().toEqualTypeOf<z.output<typeof runs.RunSchema>>();
    expectTypeOf<client.RunStatus>().toEqualTypeOf<z.output<typeof runs.RunStatusSchema>>();
    expectTypeOf<client.RunResponse>().toEqualTypeOf<z.output<typeof runRequests.RunResponse>>();
    expectTypeOf<client.DryRunResponse>().toEqualTypeOf<z.output<typeof runRequests.DryRunResponse>>();
    expectTypeOf<client.MessagingLimit>().toEqualTypeOf<z.output<typeof messagingLimit.MessagingLimitSchema>>();
    expectTypeOf<client.MessagingLimitCheck>().toEqualTypeOf<z.output<typeof messagingLimit.LimitCheckSchema>>();
    expectTypeOf<client.Billing>().toEqualTypeOf<z.output<typeof billing.BillingSchema>>();
    expectTypeOf<client.RunBillingResponse>().toEqualTypeOf<z.output<typeof billing.RunBillingResponse>>();
    expectTypeOf<client.CampaignBillingResponse>().toEqualTypeOf<z.output<typeof billing.CampaignBillingResponse>>();
    expectTypeOf<client.Analytics>().toEqualTypeOf<z.output<typeof analytics.AnalyticsSchema>>();
    expectTypeOf<client.RunAnalyticsResponse>().toEqualTypeOf<z.output<typeof analytics.RunAnalyticsResponse>>();
    expectTypeOf<client.CampaignAnalyticsResponse>().toEqualTypeOf<
      z.output<typeof analytics.CampaignAnalyticsResponse>
    >();
  });

  it("link clicks", () => {
    expectTypeOf<client.LinkButtonClicks>().toEqualTypeOf<z.output<typeof linkClicks.LinkButtonClicksSchema>>();
    expectTypeOf<client.CampaignLinkClicksResponse>().toEqualTypeOf<
      z.output<typeof linkClicks.CampaignLinkClicksResponse>
    >();
    expectTypeOf<client.RunLinkClicksResponse>().toEqualTypeOf<z.output<typeof linkClicks.RunLinkClicksResponse>>();
  });

  it("timelines", () => {
    expectTypeOf<client.Timeline>().toEqualTypeOf<z.output<typeof timelines.TimelineSchema>>();
    expectTypeOf<client.TimelinePoint>().toEqualTypeOf<z.output<typeof timelines.TimelinePointSchema>>();
    type Query = z.input<typeof timelines.TimelineQuerySchema>;
    expectTypeOf<keyof client.TimelineRequest>().toEqualTypeOf<keyof Query>();
    expectTypeOf<client.TimelineRequest["resolution"]>().toEqualTypeOf<Query["resolution"]>();
  });

  it("imports", () => {
    expectTypeOf<Omit<client.VariableGroupFileRequest, "file" | "filename">>().toEqualTypeOf<
      z.input<typeof imports.UploadFields>
    >();
    expectTypeOf<client.Import>().toEqualTypeOf<z.output<typeof imports.ImportSchema>>();
    expectTypeOf<client.ImportResponse>().toEqualTypeOf<z.output<typeof imports.ImportResponse>>();
    expectTypeOf<client.ImportDetailResponse>().toEqualTypeOf<z.output<typeof imports.ImportDetailResponse>>();
    expectTypeOf<client.ImportsResponse>().toEqualTypeOf<z.output<typeof imports.ImportsResponse>>();
    expectTypeOf<client.ImportRejectsResponse>().toEqualTypeOf<z.output<typeof imports.RejectsResponse>>();
  });

  it("the API-campaign send", () => {
    type Body = z.input<typeof apiSend.ApiSendBody>;
    // The client adds `apiKey` to the body.
    expectTypeOf<client.ApiCampaignSend & { apiKey: string }>().toExtend<Body>();
    expectTypeOf<keyof client.ApiCampaignSend | "apiKey">().toEqualTypeOf<keyof Body>();
    expectTypeOf<client.ApiCampaignSendResponse>().toEqualTypeOf<z.output<typeof apiSend.ApiSendResponse>>();
  });
});
