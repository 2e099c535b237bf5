import { router } from "../../http/context";

// Routes carry their own auth middleware (createRoute's `middleware`), since this router is
// mounted at /v1 next to others: a router-level `use("*")` would guard their paths too.
export const variableGroupRoutes = router();
