import { useEffect, useState } from "preact/hooks";
import { ApiFailure, get, put } from "../../api";
import { ErrorNote, Field, Loading } from "../../components/ui";
import { useApi } from "../../components/use-api";
import { type Account, type AccountForm, accountBody, emptyForm, newVerifyToken } from "./account";
import { Connect } from "./connect";

/** The account, or null while the project has none (the API answers 404). */
const loadAccount = (projectId: string) =>
  get<Account>(`/v1/admin/projects/${projectId}/whatsapp`).catch((err: unknown) => {
    if (err instanceof ApiFailure && err.status === 404) return null;
    throw err;
  });

export function WhatsApp({ projectId }: { projectId: string }) {
  const account = useApi(() => loadAccount(projectId), [projectId]);
  const [form, setForm] = useState<AccountForm>(emptyForm());
  // Shown once: only its hash is kept, so it exists on this page only until the page is left.
  const [verifyToken, setVerifyToken] = useState<string | null>(null);
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const loaded = account.data !== undefined;
  useEffect(() => {
    if (loaded) setForm(emptyForm(account.data));
  }, [loaded]);

  const set = <K extends keyof AccountForm>(key: K, value: AccountForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const save = async (token: string) => {
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      await put<Account>(`/v1/admin/projects/${projectId}/whatsapp`, accountBody(form, token));
      setVerifyToken(token);
      setSaved(true);
      account.reload();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: Event) => {
    e.preventDefault();
    save(verifyToken ?? newVerifyToken());
  };

  if (!loaded) return account.error ? <ErrorNote error={account.error} /> : <Loading />;
  const current = account.data ?? null;
  const meta = form.provider === "meta";
  const secretHint = (isSet: boolean | undefined) =>
    `${isSet ? "Set. " : ""}Write-only: type it again each time you save${meta ? "" : " (not needed for the sandbox)"}.`;
  return (
    <section aria-labelledby="whatsapp-title">
      <h2 id="whatsapp-title">WhatsApp connection</h2>
      <p class="muted">
        {current
          ? `Connected (${current.provider}), send cap ${current.throughput}/s${current.throughputSource === "meta" ? " from Meta's level" : ""}.`
          : "Not connected: the deployment's default provider serves this project."}{" "}
        Values come from Meta's App Dashboard → WhatsApp → API Setup. Saving replaces the whole account.
      </p>
      <form onSubmit={submit}>
        <Field label="Provider" name="provider" error={error}>
          <select
            id="f-provider"
            value={form.provider}
            onChange={(e) => set("provider", e.currentTarget.value as "meta")}
          >
            <option value="meta">Meta (WhatsApp Cloud API)</option>
            <option value="sandbox">Sandbox (plays WhatsApp locally)</option>
          </select>
        </Field>
        <Field label="Phone number id" name="phoneNumberId" error={error}>
          <input
            id="f-phoneNumberId"
            required
            value={form.phoneNumberId}
            onInput={(e) => set("phoneNumberId", e.currentTarget.value)}
          />
        </Field>
        <Field label="WhatsApp Business Account id" name="wabaId" error={error}>
          <input id="f-wabaId" required value={form.wabaId} onInput={(e) => set("wabaId", e.currentTarget.value)} />
        </Field>
        <Field label="Access token" name="accessToken" error={error} hint={secretHint(current?.hasAccessToken)}>
          <input
            id="f-accessToken"
            type="password"
            autocomplete="off"
            required={meta}
            value={form.accessToken}
            onInput={(e) => set("accessToken", e.currentTarget.value)}
          />
        </Field>
        <Field label="App secret" name="appSecret" error={error} hint={secretHint(current?.hasAppSecret)}>
          <input
            id="f-appSecret"
            type="password"
            autocomplete="off"
            required={meta}
            value={form.appSecret}
            onInput={(e) => set("appSecret", e.currentTarget.value)}
          />
        </Field>
        <Field label="App id (optional)" name="appId" error={error} hint="Needed for broadcast campaigns with an image">
          <input
            id="f-appId"
            inputMode="numeric"
            value={form.appId}
            onInput={(e) => set("appId", e.currentTarget.value)}
          />
        </Field>
        <Field
          label="Throughput, messages a second (optional)"
          name="throughput"
          error={error}
          hint="Empty: follow Meta's level (80 or 1,000)"
        >
          <input
            id="f-throughput"
            type="number"
            min={1}
            max={1000}
            value={form.throughput}
            onInput={(e) => set("throughput", e.currentTarget.value)}
          />
        </Field>
        <div class="field">
          <label>
            <input
              type="checkbox"
              checked={form.marketingMessagesApi}
              onChange={(e) => set("marketingMessagesApi", e.currentTarget.checked)}
            />{" "}
            Onboarded to Meta's Marketing Messages API
          </label>
        </div>
        <ErrorNote error={error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            Save connection
          </button>
          <span role="status">{saved ? "Saved." : ""}</span>
        </div>
      </form>
      <Connect
        account={current}
        verifyToken={verifyToken}
        busy={busy}
        onNewToken={() => save(newVerifyToken())}
        onCheck={account.reload}
        checking={account.loading}
      />
    </section>
  );
}
