import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { get, post, query } from "../api";
import { Pager, useCursor } from "../components/paging";
import { ErrorNote, Field, Loading, Page, when } from "../components/ui";
import { useApi } from "../components/use-api";
import { useSubmit } from "../components/use-submit";

export interface Project {
  id: string;
  name: string;
  createdAt: string;
}

function NewProject() {
  const { route } = useLocation();
  const [name, setName] = useState("");
  const { submit, busy, error } = useSubmit(async () => {
    const project = await post<Project>("/v1/admin/projects", { name });
    route(`/app/operator/projects/${project.id}`);
  });
  return (
    <form onSubmit={submit} aria-labelledby="new-project-title">
      <h2 id="new-project-title">New project</h2>
      <p class="muted">One project per WhatsApp Business number: its keys, contacts, templates and campaigns.</p>
      <Field label="Project name" name="name" error={error}>
        <input id="f-name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={busy}>
        Create project
      </button>
    </form>
  );
}

export function Operator() {
  const paging = useCursor();
  const { cursor } = paging;
  const projects = useApi(
    () => get<{ data: Project[]; nextCursor: string | null }>(`/v1/admin/projects${query({ limit: 50, cursor })}`),
    [cursor],
  );
  return (
    <Page title="Projects">
      <ErrorNote error={projects.error} />
      {projects.data ? (
        projects.data.data.length === 0 && cursor === undefined ? (
          <p class="muted">No projects yet: create the first one below.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Project</th>
                  <th scope="col">Id</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {projects.data.data.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <a href={`/app/operator/projects/${p.id}`}>{p.name}</a>
                    </td>
                    <td>
                      <code>{p.id}</code>
                    </td>
                    <td>{when(p.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : projects.loading ? (
        <Loading />
      ) : null}
      <Pager next={projects.data?.nextCursor} paging={paging} />
      <NewProject />
    </Page>
  );
}
