import { csvForm } from "./form.js";
import { segment, timeOf } from "./http.js";
import { ChatResults } from "./results.js";
import type {
  AddContactsRequest,
  AudienceContactsRequest,
  AudienceContactsResponse,
  AudienceFileRequest,
  AudienceResponse,
  AudiencesResponse,
  CampaignDetailsRequest,
  CampaignInput,
  CampaignsResponse,
  CreateAudienceRequest,
  CreateCampaignOptions,
  CreateCampaignResponse,
  CreateJourneyRequest,
  CreateVariableGroupRequest,
  DeletedAudienceResponse,
  DryRunResponse,
  ImportDetailResponse,
  ImportRejectsResponse,
  ImportResponse,
  ImportsResponse,
  JourneyResponse,
  JourneysResponse,
  Page,
  Recipient,
  RemoveContactsRequest,
  RemoveContactsResponse,
  RetrieveCampaignsRequest,
  RetrieveRunsRequest,
  RunCampaignRequest,
  RunResponse,
  RunsResponse,
  VariableGroup,
  VariableGroupFileRequest,
  VariableGroupResponse,
  VariableGroupValuesRequest,
  VariableGroupValuesResponse,
} from "./types/index.js";

// Largest page the API serves; fewer round trips when the client walks a whole listing.
const WALK_PAGE_SIZE = 500;

/**
 * The broadcast API and the API-campaign send, one promise per call. Every rejection is a
 * `ChatApiError`. The API key lives in a private field of ./base.ts: it is not in
 * `JSON.stringify(chat)`, `String(chat)` or any error.
 */
export class Chat extends ChatResults {
  // ------------------------------------------------------------------------------ campaigns

  /** Creates a campaign (and its WhatsApp template); `options.runImmediately` also starts a run. */
  createCampaign(campaign: CampaignInput, options?: CreateCampaignOptions): Promise<CreateCampaignResponse> {
    const json = options ? { ...campaign, options: { ...options, timeToRun: timeOf(options.timeToRun) } } : campaign;
    return this.call({ method: "POST", path: "/v1/create/campaign", json });
  }

  /** Starts a new run of a campaign; `dryRun: true` only counts who would be sent and skipped. */
  runCampaign(request: RunCampaignRequest & { dryRun: true }): Promise<DryRunResponse>;
  runCampaign(request: RunCampaignRequest & { dryRun?: false }): Promise<RunResponse>;
  runCampaign(request: RunCampaignRequest): Promise<RunResponse | DryRunResponse>;
  runCampaign(request: RunCampaignRequest): Promise<RunResponse | DryRunResponse> {
    const json = { ...request, timeToRun: timeOf(request.timeToRun) };
    return this.call({ method: "POST", path: "/v1/run/campaign", json });
  }

  /** One page of campaigns, newest first; `active: true` for active ones only. */
  retrieveCampaigns(request: RetrieveCampaignsRequest = {}): Promise<CampaignsResponse> {
    return this.call({ method: "POST", path: "/v1/retrieve/campaigns", json: request });
  }

  /** Every recipient of the campaign (or of one run): an array, or the CSV text with `format: "csv"`. */
  retrieveCampaignDetails(request: CampaignDetailsRequest & { format: "csv" }): Promise<string>;
  retrieveCampaignDetails(request: CampaignDetailsRequest & { format?: "json" }): Promise<Recipient[]>;
  retrieveCampaignDetails(request: CampaignDetailsRequest): Promise<Recipient[] | string>;
  retrieveCampaignDetails(request: CampaignDetailsRequest): Promise<Recipient[] | string> {
    return this.call({ method: "POST", path: "/v1/retrieve/campaign", json: request, text: request.format === "csv" });
  }

  // ----------------------------------------------------------------------------------- runs

  retrieveRuns(request: RetrieveRunsRequest = {}): Promise<RunsResponse> {
    return this.call({ method: "GET", path: "/v1/runs", query: { ...request } });
  }

  retrieveRun(runId: string): Promise<RunResponse> {
    return this.call({ method: "GET", path: `/v1/runs/${segment(runId)}` });
  }

  pauseRun(runId: string): Promise<RunResponse> {
    return this.#runAction(runId, "pause");
  }

  resumeRun(runId: string): Promise<RunResponse> {
    return this.#runAction(runId, "resume");
  }

  /** Cancels a running or a scheduled run. */
  cancelRun(runId: string): Promise<RunResponse> {
    return this.#runAction(runId, "cancel");
  }

  /** Starts a new run of the run's retryable failures. */
  retryRun(runId: string): Promise<RunResponse> {
    return this.#runAction(runId, "retry");
  }

  #runAction(runId: string, action: string): Promise<RunResponse> {
    return this.call({ method: "POST", path: `/v1/runs/${segment(runId)}/${action}` });
  }

  // ------------------------------------------------------------------------------ audiences

  /** Creates an audience, or adds contacts to (and renames) an existing one. */
  createAudience(audience: CreateAudienceRequest): Promise<AudienceResponse> {
    return this.call({ method: "POST", path: "/v1/create/audience", json: audience });
  }

  /** The reference posts this to the create path too; an existing id gains the contacts. */
  addContactsToAudience(request: AddContactsRequest): Promise<AudienceResponse> {
    return this.call({ method: "POST", path: "/v1/create/audience", json: request });
  }

  /** Takes numbers out of a list audience; they stay contacts. */
  removeContactsFromAudience(request: RemoveContactsRequest): Promise<RemoveContactsResponse> {
    return this.call({ method: "POST", path: "/v1/remove/audience/contacts", json: request });
  }

  /** Deletes the audience and its memberships; its members stay contacts. */
  deleteAudience(id: string): Promise<DeletedAudienceResponse> {
    return this.call({ method: "DELETE", path: `/v1/audiences/${segment(id)}` });
  }

  retrieveAudiences(page: Page = {}): Promise<AudiencesResponse> {
    return this.call({ method: "GET", path: "/v1/retrieve/audiences", query: { ...page } });
  }

  retrieveAudienceContacts(request: AudienceContactsRequest): Promise<AudienceContactsResponse> {
    return this.call({ method: "POST", path: "/v1/retrieve/audience/contacts", json: request });
  }

  /** The reference document's spelling of `retrieveAudienceContacts`. */
  retrieveAudienceCotacts(request: AudienceContactsRequest): Promise<AudienceContactsResponse> {
    return this.retrieveAudienceContacts(request);
  }

  /** Starts a CSV import into an audience; follow it with `retrieveImport`. */
  async createAudienceFromFile(request: AudienceFileRequest): Promise<ImportResponse> {
    const form = await csvForm(request.file, request.filename, { id: request.id, name: request.name });
    return this.call({ method: "POST", path: "/v1/create/audience/from/file", form });
  }

  // ------------------------------------------------------------------------ variable groups

  /** Creates a variable group, or adds fields and merges values into an existing one. */
  createVariableGroup(group: CreateVariableGroupRequest): Promise<VariableGroupResponse> {
    return this.call({ method: "POST", path: "/v1/create/variable/group", json: group });
  }

  /** Every variable group, input groups included (all pages, as the reference's array). */
  async retrieveVariableGroups(): Promise<VariableGroup[]> {
    const groups: VariableGroup[] = [];
    let cursor: string | undefined;
    do {
      const { body, headers } = await this.exchange<VariableGroup[]>({
        method: "GET",
        path: "/v1/retrieve/variable/groups",
        query: { limit: WALK_PAGE_SIZE, cursor },
      });
      groups.push(...body);
      cursor = headers.get("x-next-cursor") || undefined;
    } while (cursor !== undefined);
    return groups;
  }

  retrieveVariableGroupValues(request: VariableGroupValuesRequest): Promise<VariableGroupValuesResponse> {
    return this.call({ method: "POST", path: "/v1/retrieve/variable/group/values", json: request });
  }

  /** Starts a CSV import into a variable group (and, with `audienceId`, an audience). */
  async createVariableGroupFromFile(request: VariableGroupFileRequest): Promise<ImportResponse> {
    const form = await csvForm(request.file, request.filename, {
      id: request.id,
      name: request.name,
      audienceId: request.audienceId,
    });
    return this.call({ method: "POST", path: "/v1/create/variable/group/from/file", form });
  }

  // -------------------------------------------------------------------------------- imports

  /** An import's status and progress, with its first rejected rows. */
  retrieveImport(importId: string): Promise<ImportDetailResponse> {
    return this.call({ method: "GET", path: `/v1/imports/${segment(importId)}` });
  }

  /** One page of the project's imports, oldest first. */
  retrieveImports(page: Page = {}): Promise<ImportsResponse> {
    return this.call({ method: "GET", path: "/v1/imports", query: { ...page } });
  }

  /** The rows an import rejected, with their line numbers and reasons. */
  retrieveImportRejects(importId: string, page: Page = {}): Promise<ImportRejectsResponse> {
    return this.call({ method: "GET", path: `/v1/imports/${segment(importId)}/rejects`, query: { ...page } });
  }

  // ------------------------------------------------------------------------------- journeys

  createJourney(journey: CreateJourneyRequest): Promise<JourneyResponse> {
    return this.call({ method: "POST", path: "/v1/create/journey", json: journey });
  }

  retrieveJourneys(page: Page = {}): Promise<JourneysResponse> {
    return this.call({ method: "GET", path: "/v1/retrieve/journeys", query: { ...page } });
  }

  retrieveJourney(id: string): Promise<JourneyResponse> {
    return this.call({ method: "GET", path: `/v1/journeys/${segment(id)}` });
  }

  /** Buttons naming the journey stay; a later press sends nothing. */
  deleteJourney(id: string): Promise<JourneyResponse> {
    return this.call({ method: "DELETE", path: `/v1/journeys/${segment(id)}` });
  }
}
