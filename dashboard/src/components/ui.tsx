import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { ApiFailure } from "../api";
import { useSubmit } from "./use-submit";

export function Page({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
}) {
  useEffect(() => {
    document.title = `${title} · WhatsApp Campaigns`;
  }, [title]);
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-head">
        <h1 id="page-title">{title}</h1>
        {actions ? <div class="actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

export function ErrorNote({ error }: { error: Error | undefined }) {
  if (!error) return null;
  const fields = error instanceof ApiFailure ? error.fields : [];
  return (
    <div class="error" role="alert">
      <strong>{error.message}</strong>
      {fields.length > 0 ? (
        <ul>
          {fields.map((f) => (
            <li key={f.field}>
              <code>{f.field}</code> {f.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export const Loading = ({ what = "Loading" }: { what?: string }) => (
  <p class="muted" aria-live="polite">
    {what}…
  </p>
);

/** One labelled input with its error from the API (matched by field name) underneath. */
export function Field({
  label,
  name,
  error,
  hint,
  children,
}: {
  label: string;
  name: string;
  error?: Error;
  hint?: string;
  children: ComponentChildren;
}) {
  const message = error instanceof ApiFailure ? error.fieldMessage(name) : undefined;
  return (
    <div class={message ? "field invalid" : "field"}>
      <label for={`f-${name}`}>{label}</label>
      {children}
      {hint ? <small class="muted">{hint}</small> : null}
      {message ? (
        <small class="field-error" id={`f-${name}-error`} role="alert">
          {message}
        </small>
      ) : null}
    </div>
  );
}

/**
 * A button that asks first, in a modal dialog (keyboard-usable: Escape cancels, focus starts on
 * Cancel). `onConfirm` may be async; its failure is shown in the dialog.
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel = label,
  danger = false,
  onConfirm,
}: {
  label: string;
  question: string;
  confirmLabel?: string;
  danger?: boolean;
  onConfirm: () => Promise<unknown> | unknown;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const {
    submit: confirm,
    busy,
    error,
  } = useSubmit(async () => {
    await onConfirm();
    dialog.current?.close();
  });
  return (
    <>
      <button type="button" class={danger ? "danger" : undefined} onClick={() => dialog.current?.showModal()}>
        {label}
      </button>
      <dialog ref={dialog} aria-label={label}>
        <p>{question}</p>
        <ErrorNote error={error} />
        <div class="actions">
          <button type="button" autofocus onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="button" class={danger ? "danger" : "primary"} disabled={busy} onClick={confirm}>
            {confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}

export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : "—");
export const percent = (part: number, whole: number) =>
  whole > 0 ? `${Math.round((part / whole) * 1000) / 10}%` : "—";

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status.toLowerCase()}`}>{status}</span>;
}
