import { Page } from "../components/ui";

// Placeholder until this page is built (issue 14).
export const OperatorProject = () => (
  <Page title="OperatorProject">
    <p>Not built yet.</p>
  </Page>
);
