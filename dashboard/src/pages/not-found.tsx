import { Page } from "../components/ui";

export const NotFound = () => (
  <Page title="Not found">
    <p>
      There is no page here. Go to the <a href="/app/">overview</a>.
    </p>
  </Page>
);
