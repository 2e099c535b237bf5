import { Page } from "../components/ui";

// Placeholder until this page is built (issue 14).
export const Campaigns = () => (
  <Page title="Campaigns">
    <p>Not built yet.</p>
  </Page>
);
