import { ApiError } from "../platform/errors";
import type { Logger } from "../platform/log";
import type { ProviderError, Result } from "./provider";

// Calls that go through the provider from a request (template create, sync and delete, campaign
// creation, a media upload) report a provider's refusal the same way: the error class decides the
// status the client sees.

const describeError = (error: ProviderError) =>
  `${error.title}${error.code === null ? "" : ` (code ${error.code})`}: ${error.message}`;

/** A provider failure as the API reports it: the class decides the status. */
export function providerFailure(error: ProviderError, action: string): ApiError {
  switch (error.class) {
    case "permanent":
      return new ApiError("unprocessable", `WhatsApp refused to ${action}: ${describeError(error)}`);
    case "account":
      return new ApiError(
        "not_configured",
        `the project's WhatsApp account cannot ${action} until it is fixed: ${describeError(error)}`,
      );
    default:
      return new ApiError("provider_error", `WhatsApp could not ${action}; try again later: ${describeError(error)}`, {
        headers: error.retryAfterSeconds ? { "Retry-After": String(Math.ceil(error.retryAfterSeconds)) } : undefined,
      });
  }
}

/** Calls the provider; a refusal becomes its API error, and anything thrown a clean 502. */
export async function viaProvider<T>(
  log: Logger,
  action: string,
  call: () => Promise<Result<T>>,
): Promise<Extract<Result<T>, { ok: true }>> {
  let result: Result<T>;
  try {
    result = await call();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    log.error("whatsapp provider threw", { action, err });
    throw new ApiError("provider_error", `WhatsApp could not ${action}; try again later`);
  }
  if (!result.ok) throw providerFailure(result.error, action);
  return result as Extract<Result<T>, { ok: true }>;
}
