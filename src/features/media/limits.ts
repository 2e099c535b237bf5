// What WhatsApp accepts for each kind of template-header media: Meta's "Supported Media Types"
// table for the Cloud API (developers.facebook.com, WhatsApp Cloud API › Media), also mirrored
// in AWS End User Messaging Social's "Supported media file types and sizes in WhatsApp".
//   image     image/jpeg, image/png                                          5 MB
//   video     video/mp4, video/3gpp (H.264 video + AAC audio)               16 MB
//   document  text/plain, application/pdf, Word, Excel, PowerPoint (.doc/.docx/.xls/.xlsx/.ppt/.pptx)  100 MB
// Meta does not say whether its MB is 10^6 or 2^20 bytes; the check uses 2^20, the lenient reading,
// so a file it refuses is over the limit under either reading.

export type MediaKind = "IMAGE" | "VIDEO" | "DOCUMENT";

export interface MediaLimit {
  /** Accepted media types (the Content-Type's essence, lowercase, without parameters). */
  types: readonly string[];
  maxBytes: number;
  /** The limit as Meta states it, for messages. */
  maxLabel: string;
  /** "a JPEG or PNG image", for messages. */
  accepted: string;
  /** "an IMAGE header", for messages. */
  header: string;
}

export const MiB = 1024 * 1024;

export const MEDIA_LIMITS: Record<MediaKind, MediaLimit> = {
  IMAGE: {
    types: ["image/jpeg", "image/png"],
    maxBytes: 5 * MiB,
    maxLabel: "5 MB",
    accepted: "a JPEG or PNG image (image/jpeg, image/png)",
    header: "an IMAGE header",
  },
  VIDEO: {
    // Meta's table spells 3GPP video both video/3gpp (the registered type) and video/3gp.
    types: ["video/mp4", "video/3gpp", "video/3gp"],
    maxBytes: 16 * MiB,
    maxLabel: "16 MB",
    accepted: "an MP4 or 3GPP video (video/mp4, video/3gpp)",
    header: "a VIDEO header",
  },
  DOCUMENT: {
    types: [
      "application/pdf",
      "text/plain",
      "application/msword",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "application/vnd.ms-excel",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "application/vnd.ms-powerpoint",
      "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ],
    maxBytes: 100 * MiB,
    maxLabel: "100 MB",
    accepted: "a PDF, plain-text or Microsoft Office (Word, Excel, PowerPoint) file",
    header: "a DOCUMENT header",
  },
};
