// The API's shapes the campaign pages read, from the client library's hand-written types.
export type {
  Analytics,
  Campaign,
  DryRun,
  Recipient,
  RecipientStatus,
  Results,
  Run,
  RunStatus,
  TimelinePoint,
} from "../../../../src/client/types";

/** One run's (or the total's) counters, as `/stats` and the live socket send them. */
export interface RunStats {
  queued: number;
  sent: number;
  delivered: number;
  read: number;
  sendErrors: number;
  deliveryErrors: number;
  notOnWhatsApp: number;
  marketingLimited: number;
  marketingExperiment: number;
  skipped: number;
  deliveryRate: number;
  readRate: number;
}

export interface Stats {
  total: RunStats;
  runs: Record<string, RunStats>;
}

/** An API campaign as `GET /v1/api-campaigns` lists it. */
export interface ApiCampaign {
  id: string;
  name: string;
  status: "live" | "paused";
  pausedReason: string | null;
  template: { id: string; name: string; language: string; category: string; status: string } | null;
  createdAt: string;
  updatedAt: string;
}

/** A campaign's page shows either kind; the kind decides what applies. */
export type AnyCampaign =
  | { kind: "broadcast"; id: string; name: string; broadcast: import("../../../../src/client/types").Campaign }
  | { kind: "api"; id: string; name: string; api: ApiCampaign };
