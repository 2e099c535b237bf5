import { Page } from "../components/ui";

// Placeholder until this page is built (issue 14).
export const Templates = () => (
  <Page title="Templates">
    <p>Not built yet.</p>
  </Page>
);
