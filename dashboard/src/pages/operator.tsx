import { Page } from "../components/ui";

// Placeholder until this page is built (issue 14).
export const Operator = () => (
  <Page title="Operator">
    <p>Not built yet.</p>
  </Page>
);
