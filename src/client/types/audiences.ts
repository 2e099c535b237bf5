// Audiences: fixed lists of contacts, or segments evaluated when a run starts.
import type { IsoDate, Page } from "./common.js";

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
