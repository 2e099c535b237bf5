import { Page } from "../components/ui";

// Placeholder until this page is built (issue 14).
export const Overview = () => (
  <Page title="Overview">
    <p>Not built yet.</p>
  </Page>
);
