import { useState } from "preact/hooks";
import { curlFor } from "./curl";

/** The request a CRM would make for the form's send, with a Copy button. */
export function CurlBox({ body }: { body: Record<string, unknown> }) {
  // The note belongs to the text it was about: editing the form clears it.
  const [copied, setCopied] = useState({ text: "", note: "" });
  const text = curlFor(location.origin, body);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied({ text, note: "Copied to the clipboard." });
    } catch {
      setCopied({ text, note: "Could not copy: select the text and copy it by hand." });
    }
  };
  return (
    <section aria-labelledby="curl-title">
      <h3 id="curl-title">The request a CRM would make</h3>
      <p class="muted">Put your project's API key in place of the placeholder; the dashboard never holds a key.</p>
      <pre data-testid="curl">{text}</pre>
      <div class="actions">
        <button type="button" onClick={copy}>
          Copy
        </button>
        <span role="status">{copied.text === text ? copied.note : ""}</span>
      </div>
    </section>
  );
}
