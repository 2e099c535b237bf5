import { useState } from "preact/hooks";
import { ApiFailure, post } from "../../api";
import { ErrorNote, Field } from "../../components/ui";
import { useSubmit } from "../../components/use-submit";
import { placeholdersOf } from "./params";
import type { Template } from "./types";

const describedBy = (error: Error | undefined, name: string) =>
  error instanceof ApiFailure && error.fieldMessage(name) ? `f-${name}-error` : undefined;

/** A text template: name, language, category, a body with `{{1}}`… and an example for each, a footer. */
export function CreateTemplate({ onCreated }: { onCreated: (template: Template) => void }) {
  const [name, setName] = useState("");
  const [language, setLanguage] = useState("en_US");
  const [category, setCategory] = useState("MARKETING");
  const [text, setText] = useState("");
  const [examples, setExamples] = useState<string[]>([]);
  const [footer, setFooter] = useState("");
  const params = placeholdersOf(text);

  const { submit, busy, error } = useSubmit(async () => {
    const given = params.map((_, i) => examples[i] ?? "");
    const created = await post<Template>("/v1/templates", {
      name,
      language,
      category,
      body: { text, ...(params.length > 0 ? { examples: given } : {}) },
      ...(footer.trim() ? { footer: { text: footer } } : {}),
    });
    setName("");
    setText("");
    setExamples([]);
    setFooter("");
    onCreated(created);
  });

  return (
    <form onSubmit={submit} noValidate aria-labelledby="create-template-title">
      <h2 id="create-template-title">New template</h2>
      <div class="grid-2">
        <Field label="Name" name="name" error={error} hint="Lowercase letters, digits and underscores.">
          <input
            id="f-name"
            value={name}
            aria-describedby={describedBy(error, "name")}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        <Field label="Language" name="language" error={error} hint="Meta's code, e.g. en_US or pt_BR.">
          <input
            id="f-language"
            value={language}
            aria-describedby={describedBy(error, "language")}
            onInput={(e) => setLanguage(e.currentTarget.value)}
          />
        </Field>
      </div>
      <Field label="Category" name="category" error={error}>
        <select id="f-category" value={category} onChange={(e) => setCategory(e.currentTarget.value)}>
          <option value="MARKETING">Marketing</option>
          <option value="UTILITY">Utility</option>
        </select>
      </Field>
      <Field
        label="Body"
        name="body.text"
        error={error}
        hint="Up to 1024 characters. Parameters are {{1}}, {{2}}… in order, not at the very start or end."
      >
        <textarea
          id="f-body.text"
          value={text}
          rows={4}
          aria-describedby={describedBy(error, "body.text")}
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </Field>
      {params.map((param, i) => (
        <Field
          key={param}
          label={`Example for {{${param}}}`}
          name={`body.examples.${i}`}
          error={error}
          hint="Meta reviews the template with this sample value."
        >
          <input
            id={`f-body.examples.${i}`}
            value={examples[i] ?? ""}
            aria-describedby={describedBy(error, `body.examples.${i}`)}
            onInput={(e) => {
              const next = [...examples];
              next[i] = e.currentTarget.value;
              setExamples(next);
            }}
          />
        </Field>
      ))}
      <Field label="Footer (optional)" name="footer.text" error={error} hint="At most 60 characters, no parameters.">
        <input
          id="f-footer.text"
          value={footer}
          aria-describedby={describedBy(error, "footer.text")}
          onInput={(e) => setFooter(e.currentTarget.value)}
        />
      </Field>
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={busy}>
        {busy ? "Creating…" : "Create template"}
      </button>
    </form>
  );
}
