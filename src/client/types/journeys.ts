// Journeys: the messages a journey button sends to whoever presses it.
import type { IsoDate } from "./common.js";

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
