import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ErrorBoundary, LocationProvider, lazy, Route, Router } from "preact-iso";
import { del, get, whenSignedOut } from "./api";
import { Loading } from "./components/ui";
import { Layout } from "./layout";
import { NotFound } from "./pages/not-found";
import { SignIn } from "./pages/sign-in";
import { type Session, SessionContext } from "./session";
import "./styles.css";

// Pages load on first visit, so sign-in and the overview stay small.
const Overview = lazy(() => import("./pages/overview").then((m) => m.Overview));
const Campaigns = lazy(() => import("./pages/campaigns").then((m) => m.Campaigns));
const CampaignPage = lazy(() => import("./pages/campaign").then((m) => m.CampaignPage));
const NewBroadcast = lazy(() => import("./pages/new-broadcast").then((m) => m.NewBroadcast));
const Templates = lazy(() => import("./pages/templates").then((m) => m.Templates));
const Audiences = lazy(() => import("./pages/audiences").then((m) => m.Audiences));
const Imports = lazy(() => import("./pages/imports").then((m) => m.Imports));
const ApiCampaigns = lazy(() => import("./pages/api-campaigns").then((m) => m.ApiCampaigns));
const Operator = lazy(() => import("./pages/operator").then((m) => m.Operator));
const Database = lazy(() => import("./pages/database").then((m) => m.Database));
const OperatorProject = lazy(() => import("./pages/operator-project").then((m) => m.OperatorProject));

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    whenSignedOut(() => setSession(null));
    get<Session>("/v1/session").then(setSession, () => setSession(null));
  }, []);
  if (session === undefined) return <Loading />;
  if (session === null) return <SignIn onSignedIn={setSession} />;
  const signOut = async () => {
    await del("/v1/session");
    setSession(null);
  };
  const operator = session.kind === "admin";
  return (
    <SessionContext.Provider value={{ session, signOut }}>
      <Layout>
        <ErrorBoundary>
          <Router>
            <Route path="/app/" component={operator ? Operator : Overview} />
            <Route path="/app/campaigns" component={Campaigns} />
            <Route path="/app/campaigns/:id" component={CampaignPage} />
            <Route path="/app/broadcasts/new" component={NewBroadcast} />
            <Route path="/app/templates" component={Templates} />
            <Route path="/app/audiences" component={Audiences} />
            <Route path="/app/imports" component={Imports} />
            <Route path="/app/api-campaigns" component={ApiCampaigns} />
            <Route path="/app/operator" component={Operator} />
            <Route path="/app/operator/projects/:id" component={OperatorProject} />
            <Route path="/app/operator/database" component={Database} />
            <Route default component={NotFound} />
          </Router>
        </ErrorBoundary>
      </Layout>
    </SessionContext.Provider>
  );
}

const root = document.getElementById("app");
if (root) {
  render(
    <LocationProvider>
      <App />
    </LocationProvider>,
    root,
  );
}
