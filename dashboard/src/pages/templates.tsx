import { useState } from "preact/hooks";
import { get, query } from "../api";
import { Pager, useCursor } from "../components/paging";
import { ErrorNote, Loading, Page } from "../components/ui";
import { useApi } from "../components/use-api";
import { isManager, useSession } from "../session";
import { CreateTemplate } from "./templates/create-template";
import { TemplateTable } from "./templates/template-list";
import type { Template, TemplatePage } from "./templates/types";

const PAGE_SIZE = 25;

export function Templates() {
  const { session } = useSession();
  const paging = useCursor();
  const { cursor } = paging;
  const [created, setCreated] = useState<Template>();
  const list = useApi(() => get<TemplatePage>(`/v1/templates${query({ limit: PAGE_SIZE, cursor })}`), [cursor]);
  const onCreated = (template: Template) => {
    setCreated(template);
    list.reload();
  };
  return (
    <Page title="Templates">
      <p class="muted">
        WhatsApp sends only approved templates to start a conversation. Broadcasts make their own template from their
        message; API campaigns send one made here.
      </p>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? <Loading what="Loading templates" /> : null}
      {list.data ? <TemplateTable templates={list.data.data} /> : null}
      <Pager next={list.data?.nextCursor} paging={paging} />
      {created ? (
        <p class="notice" role="status">
          Template <code>{created.name}</code> created: {created.status.toLowerCase()}.
        </p>
      ) : null}
      {isManager(session) ? (
        <CreateTemplate onCreated={onCreated} />
      ) : (
        <p class="muted">Templates are created with a manager key.</p>
      )}
    </Page>
  );
}
