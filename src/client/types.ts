// Request and response shapes of the broadcast API, written out by hand: the client ships without
// zod or the server's schemas. test/client.types.test.ts compares them with the server's schemas,
// so a change on either side that the other does not follow fails the type check.

/** ISO 8601 date-time, e.g. `2025-01-31T09:00:00.000Z`. */
export type IsoDate = string;

/**
 * When to run: a Unix timestamp in seconds or milliseconds (a value below 1e12 is read as
 * seconds), a `Date`, or an ISO 8601 string.
 */
export type TimeToRun = number | Date | string;

export interface Page {
  /** Page size, 1–500 (default 50). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

// ---------------------------------------------------------------------------------- audiences

export interface Contact {
  /** With country code (`+919876543210`); without one it is read as Indian (+91). */
  number: string | number;
  name?: string;
  source?: string;
}

/** What a contact did with a past campaign (or one run of it). */
export interface BehaviourCondition {
  campaignId: string;
  runId?: string;
  /** `pressed` may name the `button` (its text); the `not_` forms include contacts never sent it. */
  did: "received" | "read" | "replied" | "pressed" | "not_received" | "not_read" | "not_replied";
  button?: string;
}

/** The rule of a segment audience: every condition given must hold. Evaluated when a run starts. */
export interface SegmentFilter {
  /** Every one of these tags. */
  tags?: string[];
  /** At least one of these tags. */
  anyTags?: string[];
  /** None of these tags. */
  notTags?: string[];
  /** The contact's `source` is this value, or one of these. */
  source?: string | string[];
  /** Attribute values equal to the given value, or one of the given values. */
  attributes?: Record<string, string | string[]>;
  optedOut?: boolean;
  behaviour?: BehaviourCondition[];
}

export interface CreateAudienceRequest {
  /** 1–100 characters of `A-Z a-z 0-9 _ . : -`; `all` is reserved. */
  id: string;
  /** Required when the id is new. */
  name?: string;
  description?: string | null;
  /** At most 1,000 per call. */
  contacts?: Contact[];
  /** Makes the audience a segment instead of a fixed list. */
  filter?: SegmentFilter;
}

export interface AddContactsRequest {
  id: string;
  contacts: Contact[];
}

export interface RemoveContactsRequest {
  id: string;
  contacts: { number: string | number }[];
}

export interface RemoveContactsResponse {
  status: "success";
  audience: Audience;
  /** Memberships this call removed. */
  removed: number;
}

export interface DeletedAudienceResponse {
  status: "success";
  /** The audience as it was. */
  audience: Audience;
}

export interface Audience {
  id: string;
  name: string;
  description: string | null;
  type: "list" | "segment";
  filter: SegmentFilter | null;
  /** Members of a list; null for a segment (counted when a run starts). */
  contacts: number | null;
  createdAt: IsoDate;
  updatedAt: IsoDate;
}

export interface AudienceResponse {
  status: "success";
  audience: Audience;
  /** Memberships this call created. */
  added: number;
}

export interface AudiencesResponse {
  status: "success";
  audiences: Audience[];
  nextCursor: string | null;
}

export interface AudienceContactsRequest extends Page {
  id: string;
}

export interface AudienceMember {
  number: string;
  name: string | null;
  source: string | null;
  optedOut: boolean;
}

export interface AudienceContactsResponse {
  status: "success";
  audience: Pick<Audience, "id" | "name" | "type">;
  contacts: AudienceMember[];
  nextCursor: string | null;
}

// ---------------------------------------------------------------------------- variable groups

/** One contact's values: `number` plus one entry per field of the group. */
export interface VariableValues {
  number: string | number;
  [field: string]: string | number;
}

export interface CreateVariableGroupRequest {
  id: string;
  /** Required when the id is new; messages name the group by it (`{users.first_name}`). */
  name?: string;
  description?: string | null;
  /** Required when the id is new; for an existing group these are added to its fields. */
  fields?: string[];
  /** At most 1,000 per call. */
  values?: VariableValues[];
}

export interface VariableGroup {
  id: string;
  name: string;
  description: string | null;
  fields: string[];
  /** `input`: the group an input button's presses are saved to. */
  type: "values" | "input";
  /** The campaign of an input group. */
  campaignId: string | null;
  /** Contacts with values. */
  values: number;
  createdAt: IsoDate;
  updatedAt: IsoDate;
}

export interface VariableGroupResponse {
  status: "success";
  variableGroup: VariableGroup;
}

export interface VariableGroupValuesRequest extends Page {
  id: string;
}

export interface VariableGroupValuesResponse {
  status: "success";
  variableGroup: VariableGroup;
  values: { number: string; [field: string]: string }[];
  nextCursor: string | null;
}

// ------------------------------------------------------------------------------------ imports

/**
 * A CSV file: a `Blob`/`File`, its text, or a stream of its bytes. A stream is read into a Blob
 * before sending, since a multipart body needs it whole on most runtimes.
 */
export type CsvFile = Blob | string | ReadableStream<Uint8Array>;

export interface AudienceFileRequest {
  id: string;
  name: string;
  file: CsvFile;
  /** File name sent with the part (default `upload.csv`, or the File's own name). */
  filename?: string;
}

export interface VariableGroupFileRequest extends AudienceFileRequest {
  /** Also creates (or fills) this audience with the file's numbers. */
  audienceId?: string;
}

export interface Import {
  id: string;
  kind: "audience" | "variable_group";
  status: "queued" | "running" | "completed" | "failed";
  audienceId: string | null;
  groupId: string | null;
  rowsDone: number;
  rowsRejected: number;
  bytesRead: number;
  bytesTotal: number | null;
  /** bytesRead / bytesTotal, 0..1. */
  progress: number;
  /** Audiences: header columns other than the number, `name` and `source`, which are not imported. */
  ignoredColumns: string[];
  /** Why a failed import stopped. */
  error: string | null;
  createdAt: IsoDate;
  finishedAt: IsoDate | null;
}

export interface ImportResponse {
  status: "success";
  import: Import;
}

export interface ImportReject {
  /** 1-based line of the file the row starts on. */
  line: number;
  /** The number cell as written, if any. */
  number: string | null;
  reason: string;
}

export interface ImportDetail extends Import {
  /** The first 20 rejected rows; all of them through `retrieveImportRejects`. */
  rejects: ImportReject[];
}

export interface ImportDetailResponse {
  status: "success";
  import: ImportDetail;
}

export interface ImportsResponse {
  status: "success";
  imports: Import[];
  nextCursor: string | null;
}

export interface ImportRejectsResponse {
  status: "success";
  rejects: ImportReject[];
  nextCursor: string | null;
}

// ---------------------------------------------------------------------------------- campaigns

export type ButtonType = "input" | "journey" | "phone" | "url";

/**
 * A button of `createCampaign`. Label: 1–25 characters. At most 10 buttons, 2 url and 1 phone;
 * phone and url buttons combine only with each other.
 */
export type Button =
  /** A quick reply; each press is saved to the campaign's input group (`input` defaults to `text`). */
  | { text: string; type: "input"; input?: string }
  /** A quick reply that sends the journey's messages to whoever presses it. */
  | { text: string; type: "journey"; journeyId: string }
  | { text: string; type: "phone"; phoneNumber: string }
  /** The URL may end in one `{group.field}`: a per-recipient suffix. */
  | { text: string; type: "url"; url: string };

/** A button as a campaign reports it. */
export interface CampaignButton {
  text: string;
  type: ButtonType;
  input?: string;
  journeyId?: string;
  phoneNumber?: string;
  url?: string;
}

export type TemplateCategory = "MARKETING" | "UTILITY" | "AUTHENTICATION";
export type TemplateStatus = "PENDING" | "APPROVED" | "REJECTED" | "PAUSED" | "DISABLED";

export interface CampaignInput {
  title: string;
  /** Text with `{group.field}` placeholders, filled per recipient from variable groups. */
  message: string;
  /** An https URL of a JPEG or PNG (at most 5 MB): the template's image header. */
  imgUrl?: string | null;
  buttons?: Button[];
  /** `MARKETING` (default) or `UTILITY`. */
  templateType?: string;
}

export interface CreateCampaignOptions {
  /** Start a run as soon as the template is approved (default false: create the template only). */
  runImmediately?: boolean;
  /** Audience ids or unique names, or `["all"]`. */
  audiences?: string[];
  /** `en_US` by default; `enUS` is accepted. */
  languageCode?: string;
  timeToRun?: TimeToRun;
  /** `MARKETING` by default. */
  whatsAppTemplateType?: string;
}

/** Counts from the campaign's statistics; rates are 0..1. */
export interface Results {
  Queued: number;
  Sent: number;
  Delivered: number;
  Read: number;
  SendErrors: number;
  DeliveryErrors: number;
  NumbersNotOnWhatsApp: number;
  Skipped: number;
  ReadRate: number;
  DeliveryRate: number;
}

export type RunStatus =
  | "scheduled"
  | "waiting_template"
  | "fanning_out"
  | "sending"
  | "paused"
  | "completed"
  | "cancelled"
  | "failed";

export interface Run {
  runId: string;
  campaignId: string;
  status: RunStatus;
  statusReason: string | null;
  audiences: string[];
  timeToRun: IsoDate | null;
  retryOf: string | null;
  recipients: { queued: number; skipped: number };
  results: Results;
  createdAt: IsoDate;
  startedAt: IsoDate | null;
  fannedOutAt: IsoDate | null;
  finishedAt: IsoDate | null;
}

export interface Campaign {
  campaignId: string;
  title: string;
  message: string;
  imgUrl: string | null;
  /** `group.field` references, in template parameter order. */
  variables: string[];
  buttons: CampaignButton[];
  locale: string;
  templateType: TemplateCategory;
  templateId: string | null;
  /** Null once the template is deleted. */
  templateName: string | null;
  /** The template's review status at WhatsApp; null once the template is deleted. */
  whatsAppTemplatesStatus: TemplateStatus | null;
  /** True while a run can still send (scheduled, waiting_template, fanning_out, sending, paused). */
  active: boolean;
  /** Oldest first. */
  runs: Run[];
  /** Summed over all runs. */
  results: Results;
  totalSent: number;
  totalDelivered: number;
  totalRead: number;
  createdAt: IsoDate;
}

export interface CreateCampaignResponse {
  status: "success";
  campaign: Campaign;
  /** The run `runImmediately` started, else null. */
  run: Run | null;
}

export interface RetrieveCampaignsRequest {
  /** true: only active campaigns; false: only inactive ones. */
  active?: boolean;
  /** Page size, 1–100 (default 50). */
  limit?: number;
  cursor?: string;
}

export interface CampaignsResponse {
  status: "success";
  campaigns: Campaign[];
  nextCursor: string | null;
}

export interface CampaignDetailsRequest {
  campaignId: string;
  /** `csv` resolves to the CSV text instead of an array. */
  format?: "json" | "csv";
  /** One run's recipients; all runs' by default. */
  runId?: string;
}

export type RecipientStatus = "queued" | "sending" | "sent" | "delivered" | "read" | "failed" | "skipped";

/** One row of `retrieveCampaignDetails`; the CSV has the same columns, in this order. */
export interface Recipient {
  number: string;
  status: RecipientStatus;
  /** Same as `status`, under the reference document's name. */
  action: string;
  runId: string;
  messageId: string;
  sentAt: IsoDate | null;
  deliveredAt: IsoDate | null;
  readAt: IsoDate | null;
  failedAt: IsoDate | null;
  /** WhatsApp's error code, when the message failed. */
  errorCode: number | null;
  errorReason: string | null;
  /** `opted_out`, `missing_variable:<group>.<field>` or `cancelled`. */
  skipReason: string | null;
}

// --------------------------------------------------------------------------------------- runs

export interface RunCampaignRequest {
  campaignId: string;
  /** Audience ids or unique names, or `["all"]`. */
  audiences: string[];
  /** Omitted, null or past: now. */
  timeToRun?: TimeToRun | null;
  /** Count who would be sent and who skipped, without sending. */
  dryRun?: boolean;
}

export interface RunResponse {
  status: "success";
  run: Run;
}

export interface DryRun {
  /** Contacts in the audiences, each counted once. */
  recipients: number;
  wouldSend: number;
  /** `missing_variable`: per `group.field`, recipients without a sendable value. */
  skipped: { opted_out: number; missing_variable: Record<string, number> };
  templateStatus: string | null;
}

export interface DryRunResponse {
  status: "success";
  dryRun: DryRun;
}

export interface RetrieveRunsRequest extends Page {
  campaignId?: string;
  status?: RunStatus;
}

export interface RunsResponse {
  status: "success";
  runs: Run[];
  nextCursor: string | null;
}

// ----------------------------------------------------------------------------------- journeys

export interface CreateJourneyRequest {
  id: string;
  name: string;
  description?: string | null;
  /** 1–10 messages, each at most 4,096 characters. */
  messages: { text: string }[];
}

export interface Journey {
  id: string;
  name: string;
  description: string | null;
  messages: { text: string }[];
  createdAt: IsoDate;
  updatedAt: IsoDate;
}

export interface JourneyResponse {
  status: "success";
  journey: Journey;
}

export interface JourneysResponse {
  status: "success";
  journeys: Journey[];
  nextCursor: string | null;
}

// ------------------------------------------------------------------------------- API campaigns

/** The API-campaign send of `POST /campaign/t1/api/v2`; the client adds `apiKey`. */
export interface ApiCampaignSend {
  /** Name of a live API campaign. */
  campaignName: string;
  destination: string | number;
  userName: string;
  source?: string;
  media?: { url: string; filename?: string };
  templateParams?: (string | number)[];
  tags?: string[];
  attributes?: Record<string, string | number>;
  location?: { latitude: number | string; longitude: number | string; name?: string; address?: string };
}

export interface ApiCampaignSendOptions {
  /** Makes retries safe: within 24 hours the same key returns the first answer. */
  idempotencyKey?: string;
}

export interface ApiCampaignSendResponse {
  success: true;
  message: string;
  submitted_message_id: string;
  messageId: string;
  status: "queued" | "skipped";
  skipReason: string | null;
  destination: string;
  ignored: { tags: string[]; attributes: string[] };
}
