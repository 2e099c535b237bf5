import { takesLocation, takesMedia } from "./params";
import type { TemplateParams } from "./types";

export interface SendDraft {
  campaignName: string;
  destination: string;
  userName: string;
  source: string;
  params: string[];
  mediaUrl: string;
  latitude: string;
  longitude: string;
  placeName: string;
  address: string;
}

export const EMPTY_SEND: SendDraft = {
  campaignName: "",
  destination: "",
  userName: "",
  source: "",
  params: [],
  mediaUrl: "",
  latitude: "",
  longitude: "",
  placeName: "",
  address: "",
};

/** The send's JSON body from the form, without the key: the same body the dashboard posts and the curl shows. */
export function sendBody(d: SendDraft, params: TemplateParams | undefined, slots: number): Record<string, unknown> {
  const body: Record<string, unknown> = {
    campaignName: d.campaignName,
    destination: d.destination.trim(),
    userName: d.userName.trim(),
  };
  if (d.source.trim()) body.source = d.source.trim();
  if (slots > 0) body.templateParams = Array.from({ length: slots }, (_, i) => d.params[i] ?? "");
  if (params && takesMedia(params)) body.media = { url: d.mediaUrl.trim() };
  if (params && takesLocation(params)) {
    body.location = {
      latitude: d.latitude.trim(),
      longitude: d.longitude.trim(),
      ...(d.placeName.trim() ? { name: d.placeName.trim() } : {}),
      ...(d.address.trim() ? { address: d.address.trim() } : {}),
    };
  }
  return body;
}
