import { when } from "../../components/ui";

export interface OverviewNumber {
  provider: "meta" | "sandbox";
  phoneNumberId: string;
  displayPhoneNumber: string | null;
  quality: { event: string | null; updatedAt: string } | null;
  throughput: number;
  hold: { reason: string; until: string | null } | null;
}

// Meta's quality events, as a person would say them.
const QUALITY: Record<string, string> = {
  FLAGGED: "Flagged: quality is low, the limit may drop",
  UNFLAGGED: "Good: no longer flagged",
  UPGRADE: "Good: limit raised",
  DOWNGRADE: "Low: limit lowered",
  ONBOARDING: "New number",
};

export function NumberCard({ number }: { number: OverviewNumber | null }) {
  if (!number) {
    return (
      <div class="card">
        <div class="value">Not connected</div>
        <p class="muted">The deployment's default provider serves this project. An operator connects a number.</p>
      </div>
    );
  }
  const event = number.quality?.event;
  return (
    <div class="card">
      <div class="label">{number.provider === "sandbox" ? "Sandbox number" : "Meta number"}</div>
      <div class="value">{number.displayPhoneNumber ?? number.phoneNumberId}</div>
      <dl class="facts">
        <dt>Quality</dt>
        <dd>{event ? `${QUALITY[event] ?? event} (${when(number.quality?.updatedAt)})` : "No word from Meta yet"}</dd>
        <dt>Send cap</dt>
        <dd>{number.throughput.toLocaleString()} messages a second</dd>
      </dl>
      {number.hold ? (
        <p class="error" role="alert">
          Campaigns are held: {number.hold.reason}
          {number.hold.until ? ` (until ${when(number.hold.until)})` : ""}
        </p>
      ) : null}
    </div>
  );
}
