import { StatusBadge, when } from "../../components/ui";
import type { Template } from "./types";

export function TemplateTable({ templates }: { templates: Template[] }) {
  if (templates.length === 0) return <p class="muted">No templates yet.</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">Templates, oldest first</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Language</th>
            <th scope="col">Category</th>
            <th scope="col">Status</th>
            <th scope="col">Quality</th>
            <th scope="col">Body</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {templates.map((t) => (
            <tr key={t.id}>
              <td>
                <code>{t.name}</code>
              </td>
              <td>{t.language}</td>
              <td>{t.category}</td>
              <td>
                <StatusBadge status={t.status} />
                {t.rejectedReason ? <div class="muted">{t.rejectedReason}</div> : null}
              </td>
              <td>
                {/* Meta scores quality only after sends; until its webhook says so there is none. */}
                {t.quality ? <StatusBadge status={t.quality.score} /> : <span class="muted">Not rated</span>}
              </td>
              <td class="clip">{t.body.text}</td>
              <td>{when(t.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
