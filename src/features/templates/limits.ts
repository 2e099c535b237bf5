// Meta's limits for a template's parts, from its template components reference.

export const LIMITS = {
  name: 512,
  body: 1024,
  header: 60,
  footer: 60,
  buttons: 10,
  urlButtons: 2,
  phoneButtons: 1,
  buttonText: 25,
  url: 2000,
  couponCode: 15,
  offerText: 16,
  codeExpirationMinutes: 90,
  cards: 10,
  cardBody: 160,
  cardButtons: 2,
  supportedApps: 5,
} as const;
