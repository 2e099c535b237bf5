import { useState } from "preact/hooks";
import { del, get, post, query } from "../../api";
import { CopyButton } from "../../components/copy-button";
import { Pager, useCursor } from "../../components/paging";
import { ConfirmButton, ErrorNote, Field, Loading, when } from "../../components/ui";
import { useApi } from "../../components/use-api";
import { useSubmit } from "../../components/use-submit";

interface ApiKey {
  id: string;
  name: string;
  role: "manager" | "sender";
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** The key itself, in the one answer that ever carries it. */
function NewKey({ created, onDone }: { created: ApiKey & { key: string }; onDone: () => void }) {
  return (
    <section class="once" aria-label="New API key">
      <p>
        <strong>Copy this key now: it is shown only once.</strong> Only its hash is kept; if it is lost, create another
        and revoke this one.
      </p>
      <p>
        <code id="new-key">{created.key}</code>
      </p>
      <div class="actions">
        <CopyButton text={created.key} label="Copy key" />
        <button type="button" onClick={onDone}>
          I have copied it
        </button>
      </div>
    </section>
  );
}

function CreateKey({ projectId, onCreated }: { projectId: string; onCreated: (k: ApiKey & { key: string }) => void }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<"manager" | "sender">("manager");
  const { submit, busy, error } = useSubmit(async () => {
    onCreated(await post<ApiKey & { key: string }>(`/v1/admin/projects/${projectId}/keys`, { name, role }));
    setName("");
  });
  return (
    <form onSubmit={submit} aria-labelledby="new-key-title">
      <h3 id="new-key-title">New API key</h3>
      <Field label="Key name" name="name" error={error} hint="Who uses it, e.g. CRM production">
        <input id="f-name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <Field label="Role" name="role" error={error}>
        <select id="f-role" value={role} onChange={(e) => setRole(e.currentTarget.value as "manager" | "sender")}>
          <option value="manager">manager: everything in the project</option>
          <option value="sender">sender: send and read results only</option>
        </select>
      </Field>
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={busy}>
        Create key
      </button>
    </form>
  );
}

export function Keys({ projectId }: { projectId: string }) {
  const paging = useCursor();
  const [created, setCreated] = useState<(ApiKey & { key: string }) | null>(null);
  const { cursor } = paging;
  const keys = useApi(
    () =>
      get<{ data: ApiKey[]; nextCursor: string | null }>(
        `/v1/admin/projects/${projectId}/keys${query({ limit: 50, cursor })}`,
      ),
    [projectId, cursor],
  );
  return (
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      {created ? <NewKey created={created} onDone={() => setCreated(null)} /> : null}
      <ErrorNote error={keys.error} />
      {keys.data ? (
        keys.data.data.length === 0 && cursor === undefined ? (
          <p class="muted">No keys yet.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Starts with</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {keys.data.data.map((k) => (
                  <tr key={k.id}>
                    <td>{k.name}</td>
                    <td>{k.role}</td>
                    <td>
                      <code>{k.prefix}…</code>
                    </td>
                    <td>{when(k.createdAt)}</td>
                    <td>{k.lastUsedAt ? when(k.lastUsedAt) : "Never"}</td>
                    <td>
                      {k.revokedAt ? (
                        `Revoked ${when(k.revokedAt)}`
                      ) : (
                        <ConfirmButton
                          label={`Revoke ${k.name}`}
                          question={`Revoke the key "${k.name}" (${k.prefix}…)? Whatever uses it stops working within 30 seconds. This cannot be undone.`}
                          confirmLabel="Revoke key"
                          danger
                          onConfirm={async () => {
                            await del(`/v1/admin/projects/${projectId}/keys/${k.id}`);
                            keys.reload();
                          }}
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : keys.loading ? (
        <Loading />
      ) : null}
      <Pager next={keys.data?.nextCursor} paging={paging} />
      <CreateKey
        projectId={projectId}
        onCreated={(k) => {
          setCreated(k);
          keys.reload();
        }}
      />
    </section>
  );
}
