import { Page } from "../components/ui";
import { isManager, useSession } from "../session";
import { ApiList, BroadcastList } from "./campaign/lists";

export function Campaigns() {
  const { session } = useSession();
  const manager = isManager(session);
  return (
    <Page
      title="Campaigns"
      actions={
        manager ? (
          <a class="button primary" href="/app/broadcasts/new">
            New broadcast
          </a>
        ) : null
      }
    >
      {/* Broadcast campaigns are a manager's; a sender key sees the API campaigns it may send. */}
      {manager ? <BroadcastList /> : null}
      <ApiList />
    </Page>
  );
}
