import { requireAdmin } from "../../auth/admin";
import { router } from "../../http/context";
import { adminKeys } from "./keys";
import { adminProjects } from "./projects";
import { adminWhatsApp } from "./whatsapp";

// One guarded router for the operator routes: a `use("*")` in each router mounted at the same
// prefix would check the token once per router on every request.
export const adminRoutes = router(requireAdmin)
  .route("/", adminProjects)
  .route("/", adminKeys)
  .route("/", adminWhatsApp);
