export interface MessagingLimit {
  tier: string | null;
  limit: number | null;
  used: number | null;
  remaining: number | null;
}

const TIER_NAMES: Record<string, string> = {
  TIER_250: "250",
  TIER_2K: "2,000",
  TIER_10K: "10,000",
  TIER_100K: "100,000",
  TIER_UNLIMITED: "Unlimited",
};

/** Meta's limit on unique people per moving 24 hours, and what the window used of it. */
export function LimitCard({ limit }: { limit: MessagingLimit }) {
  const tier = limit.tier ? (TIER_NAMES[limit.tier] ?? limit.tier) : null;
  return (
    <div class="card">
      <div class="label">Unique people per 24 hours</div>
      <div class="value">{tier ?? "Not known yet"}</div>
      {limit.limit !== null && limit.used !== null ? (
        <>
          <progress
            max={limit.limit}
            value={Math.min(limit.used, limit.limit)}
            aria-label="Used of the messaging limit"
          />
          <div>
            {limit.used.toLocaleString()} used · {(limit.remaining ?? 0).toLocaleString()} left
          </div>
        </>
      ) : (
        <p class="muted">
          {limit.tier === "TIER_UNLIMITED"
            ? "No limit on new conversations."
            : "Meta has not said the number's limit yet: it is read when the account is connected and every hour."}
        </p>
      )}
    </div>
  );
}
