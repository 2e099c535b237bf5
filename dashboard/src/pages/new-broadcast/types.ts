// The API's shapes this page reads, from the client library's hand-written types.
export type {
  Audience,
  AudienceContactsResponse,
  AudienceMember,
  AudiencesResponse,
  ButtonType,
  CreateCampaignResponse,
  VariableGroup,
  VariableGroupValuesResponse,
} from "../../../../src/client/types";

import type { ButtonType } from "../../../../src/client/types";

/** A button as the form edits it: every type's field, only the chosen type's is sent. */
export interface DraftButton {
  type: ButtonType;
  text: string;
  input: string;
  journeyId: string;
  phoneNumber: string;
  url: string;
  code: string;
}

/** A recipient to preview with: one contact of the chosen audiences. */
export interface Recipient {
  number: string;
  name: string | null;
}
