// Variable groups: per-contact values that fill `{group.field}` placeholders.
import type { IsoDate, Page } from "./common.js";

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
