import { StatusBadge, when } from "../../components/ui";
import { campaignHref } from "../campaign/load";

export interface RecentCampaign {
  id: string;
  kind: "api" | "broadcast";
  name: string;
  status: "live" | "paused";
  createdAt: string;
}

export function RecentCampaigns({ campaigns }: { campaigns: RecentCampaign[] }) {
  if (campaigns.length === 0) {
    return (
      <p class="muted">
        No campaigns yet. <a href="/app/broadcasts/new">Create a broadcast</a> or an{" "}
        <a href="/app/api-campaigns">API campaign</a>.
      </p>
    );
  }
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Campaign</th>
            <th scope="col">Kind</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {campaigns.map((c) => (
            <tr key={c.id}>
              <td>
                <a href={campaignHref(c.id, c.kind === "api" ? "api" : "broadcast")}>{c.name}</a>
              </td>
              <td>{c.kind === "api" ? "API" : "Broadcast"}</td>
              <td>
                <StatusBadge status={c.status} />
              </td>
              <td>{when(c.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <a href="/app/campaigns">All campaigns</a>
      </p>
    </div>
  );
}
