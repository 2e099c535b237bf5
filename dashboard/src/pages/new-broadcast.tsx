import { Page } from "../components/ui";

// Placeholder until this page is built (issue 14).
export const NewBroadcast = () => (
  <Page title="NewBroadcast">
    <p>Not built yet.</p>
  </Page>
);
