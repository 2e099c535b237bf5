import { Page } from "../components/ui";

// Placeholder until this page is built (issue 14).
export const ApiCampaigns = () => (
  <Page title="ApiCampaigns">
    <p>Not built yet.</p>
  </Page>
);
