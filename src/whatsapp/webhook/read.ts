import type { z } from "zod";

// Reads a list of a change's value (statuses, messages, contacts, preferences) one item at a time:
// the items in the shape Meta documents are returned, each other one is set aside with its place
// and the reason, so that it can be kept and replayed without holding back its neighbours.

export interface SetAside {
  /** Position in the list; -1 when the list itself is not a list. */
  index: number;
  reason: string;
  raw: unknown;
}

function describe(issues: readonly z.core.$ZodIssue[]) {
  const issue = issues[0];
  if (!issue) return "not in a shape that can be read";
  const path = issue.path.map(String).join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}

export function readList<T>(
  schema: z.ZodType<T>,
  list: unknown,
  name: string,
): { items: { index: number; item: T }[]; setAside: SetAside[] } {
  const items: { index: number; item: T }[] = [];
  const setAside: SetAside[] = [];
  if (list === undefined || list === null) return { items, setAside };
  if (!Array.isArray(list)) {
    setAside.push({ index: -1, reason: `\`${name}\` is not a list`, raw: list });
    return { items, setAside };
  }
  list.forEach((raw: unknown, index) => {
    const parsed = schema.safeParse(raw);
    if (parsed.success) items.push({ index, item: parsed.data });
    else setAside.push({ index, reason: `${name}[${index}] ${describe(parsed.error.issues)}`, raw });
  });
  return { items, setAside };
}
