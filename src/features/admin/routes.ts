import { requireAdmin } from "../../platform/auth/admin";
import { router } from "../../platform/http/context";
import { adminKeys } from "./keys-routes";
import { adminProjects } from "./projects-routes";
import { adminWhatsApp } from "./whatsapp-routes";

// One guarded router for the operator routes: a `use("*")` in each router mounted at the same
// prefix would check the token once per router on every request.
export const adminRoutes = router(requireAdmin)
  .route("/", adminProjects)
  .route("/", adminKeys)
  .route("/", adminWhatsApp);
