// The D1 schema, one file per area; drizzle-kit reads this file to generate migrations.
export * from "./archives";
export * from "./audiences";
export * from "./billing";
export * from "./campaigns";
export * from "./contacts";
export * from "./dead-letters";
export * from "./imports";
export * from "./journeys";
export * from "./link-clicks";
export * from "./media";
export * from "./messages";
export * from "./projects";
export * from "./runs";
export * from "./storage";
export * from "./templates";
export * from "./variable-groups";
export * from "./webhooks";
