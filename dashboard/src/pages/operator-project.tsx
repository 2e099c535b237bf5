import { useRoute } from "preact-iso";
import { get } from "../api";
import { ErrorNote, Loading, Page } from "../components/ui";
import { useApi } from "../components/use-api";
import type { Project } from "./operator";
import { Archive } from "./operator-project/archive";
import { Keys } from "./operator-project/keys";
import { WhatsApp } from "./operator-project/whatsapp";

export function OperatorProject() {
  const { params } = useRoute();
  const id = params.id ?? "";
  const project = useApi(() => get<Project>(`/v1/admin/projects/${encodeURIComponent(id)}`), [id]);
  if (project.error) {
    return (
      <Page title="Project">
        <ErrorNote error={project.error} />
        <a href="/app/operator">All projects</a>
      </Page>
    );
  }
  if (!project.data) return <Loading />;
  return (
    <Page title={project.data.name} actions={<a href="/app/operator">All projects</a>}>
      <p class="muted">
        <code>{project.data.id}</code>
      </p>
      <Keys projectId={id} />
      <WhatsApp projectId={id} />
      <Archive projectId={id} />
    </Page>
  );
}
