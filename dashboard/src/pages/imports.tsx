import { Page } from "../components/ui";

// Placeholder until this page is built (issue 14).
export const Imports = () => (
  <Page title="Imports">
    <p>Not built yet.</p>
  </Page>
);
