// Plain words for the failure codes a campaign sender meets, from Meta's Cloud API error-code
// reference, for the people reading a run's failures rather than Meta's titles. A code not listed
// keeps Meta's own title.

const LABELS: Readonly<Record<number, string>> = {
  190: "Access token expired or invalid",
  368: "Account temporarily blocked for policy violations",
  130429: "Rate limit reached (the number's throughput)",
  130472: "Held by Meta: the person is in Meta's marketing experiment",
  131000: "Something went wrong at WhatsApp",
  131005: "Access denied",
  131008: "A required parameter is missing",
  131009: "A parameter value is not valid",
  131016: "WhatsApp was unavailable",
  131021: "Sender and recipient are the same number",
  131026: "Not on WhatsApp (or cannot receive this message)",
  131031: "Business account locked",
  131042: "Payment problem on the business account",
  131045: "The sending number is not registered",
  131047: "More than 24 hours since the person last wrote",
  131048: "Spam rate limit: too many messages were blocked or reported",
  131049: "Held by Meta: the person's marketing message limit",
  131050: "The person stopped marketing messages from this business",
  131051: "Message type not supported",
  131052: "WhatsApp could not download the media",
  131053: "WhatsApp could not use the media",
  131056: "Too many messages to this person in a short time",
  131057: "Business account in maintenance",
  131062: "This message cannot go to a business-scoped user id",
  132000: "Template parameters do not match the template",
  132001: "Template missing or not approved in this language",
  132005: "Template text too long once filled",
  132007: "Template content breaks WhatsApp's policy",
  132012: "Template parameter in the wrong format",
  132015: "Template paused for low quality",
  132016: "Template disabled for low quality",
  133010: "The sending number is not registered",
};

/** The plain label of a failure: its code's, else Meta's title (or ours), else "Unknown error". */
export function failureLabel(code: number | null, title: string | null): string {
  return (code !== null ? LABELS[code] : undefined) ?? title ?? "Unknown error";
}
