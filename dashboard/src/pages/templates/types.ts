// The few fields of the API's Template (src/features/templates/schemas.ts) this page shows; the
// client library's types do not cover templates.
export interface Template {
  id: string;
  name: string;
  language: string;
  category: "MARKETING" | "UTILITY" | "AUTHENTICATION";
  status: "PENDING" | "APPROVED" | "REJECTED" | "PAUSED" | "DISABLED";
  rejectedReason: string | null;
  body: { text: string; examples?: string[] };
  quality?: { score: string; previousScore: string | null; updatedAt: string };
  createdAt: string;
}

export interface TemplatePage {
  data: Template[];
  nextCursor: string | null;
}
