// The few fields of API campaigns and templates these pages read (the client's types do not
// describe the management routes).

export interface TemplateParams {
  header: { format: "TEXT" | "IMAGE" | "VIDEO" | "DOCUMENT" | "LOCATION"; params: number } | null;
  body: number;
  buttons: { index: number; type: "URL"; params: number }[];
  quickReplies: number[];
  names?: { header: string[]; body: string[] };
}

export interface TemplateSummary {
  id: string;
  name: string;
  language: string;
  category: string;
  status: string;
  params: TemplateParams;
}

export interface ApiCampaign {
  id: string;
  name: string;
  status: "live" | "paused";
  pausedReason: string | null;
  template: TemplateSummary | null;
  createdAt: string;
  updatedAt: string;
}

export interface Paged<T> {
  data: T[];
  nextCursor: string | null;
}
