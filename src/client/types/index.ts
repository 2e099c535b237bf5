// Request and response shapes of the broadcast API, written out by hand: the client ships without
// zod or the server's schemas. test/client/client.types.test.ts compares them with the server's
// schemas, so a change on either side that the other does not follow fails the type check.
export type * from "./analytics.js";
export type * from "./api-campaigns.js";
export type * from "./audiences.js";
export type * from "./campaigns.js";
export type * from "./common.js";
export type * from "./imports.js";
export type * from "./journeys.js";
export type * from "./link-clicks.js";
export type * from "./runs.js";
export type * from "./timelines.js";
export type * from "./variable-groups.js";
