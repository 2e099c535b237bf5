import { requireApiKey, requireRole } from "./api-key";

/**
 * A manager key, checked per route (createRoute's `middleware`): routers mounted side by side under
 * one prefix (/v1, /v1/campaigns) would guard each other's paths with a router-wide `use("*")`.
 * Broadcast routes are manager-only: sender keys are for the API-campaign endpoint.
 */
export const managerOnly = [requireApiKey, requireRole("manager")];
