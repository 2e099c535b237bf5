import { useState } from "preact/hooks";
import { post } from "../api";
import { ErrorNote, Field } from "../components/ui";
import { useSubmit } from "../components/use-submit";
import type { Session } from "../session";

/**
 * The key (or operator token) is sent once, to be exchanged for an HttpOnly cookie, and is never
 * stored by the page: the input is cleared as soon as the answer arrives.
 */
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [kind, setKind] = useState<"key" | "admin">("key");
  const [secret, setSecret] = useState("");
  const { submit, busy, error } = useSubmit(async () => {
    const session = await post<Session>("/v1/session", kind === "key" ? { apiKey: secret } : { adminToken: secret });
    setSecret("");
    onSignedIn(session);
  });
  const name = kind === "key" ? "apiKey" : "adminToken";
  return (
    <main id="main" class="sign-in">
      <h1>Sign in</h1>
      <p class="muted">WhatsApp Campaigns dashboard</p>
      <form onSubmit={submit}>
        <fieldset>
          <legend>Sign in with</legend>
          <label>
            <input type="radio" name="kind" checked={kind === "key"} onChange={() => setKind("key")} /> A project API
            key
          </label>
          <label>
            <input type="radio" name="kind" checked={kind === "admin"} onChange={() => setKind("admin")} /> The operator
            token
          </label>
        </fieldset>
        <Field label={kind === "key" ? "API key" : "Operator token"} name={name} error={error}>
          <input
            id={`f-${name}`}
            type="password"
            autocomplete="off"
            required
            value={secret}
            onInput={(e) => setSecret(e.currentTarget.value)}
          />
        </Field>
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
      <p class="muted">
        The key is exchanged for a session cookie that lasts 8 hours; the page never keeps it. The API reference is at{" "}
        <a href="/docs">/docs</a>.
      </p>
    </main>
  );
}
