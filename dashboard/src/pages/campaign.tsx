import { Page } from "../components/ui";

// Placeholder until this page is built (issue 14).
export const CampaignPage = () => (
  <Page title="CampaignPage">
    <p>Not built yet.</p>
  </Page>
);
