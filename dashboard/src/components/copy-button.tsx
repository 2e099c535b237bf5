import { useState } from "preact/hooks";

/**
 * Copies `text` to the clipboard and says so. Where the clipboard is refused (an http origin, a
 * browser setting), it says to select the text instead: the text is always on the page too.
 */
export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [said, setSaid] = useState("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setSaid("Copied");
    } catch {
      setSaid("Copy failed: select the text and copy it");
    }
  };
  return (
    <span class="copy">
      <button type="button" onClick={copy}>
        {label}
      </button>
      <span class="muted" role="status">
        {said}
      </span>
    </span>
  );
}
