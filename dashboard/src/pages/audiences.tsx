import { Page } from "../components/ui";

// Placeholder until this page is built (issue 14).
export const Audiences = () => (
  <Page title="Audiences">
    <p>Not built yet.</p>
  </Page>
);
