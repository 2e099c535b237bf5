import { useEffect, useState } from "preact/hooks";
import { get, query } from "../../api";
import type { AudienceContactsResponse, Recipient } from "./types";

// Enough people to choose one to preview with; the preview never needs the whole audience.
const PER_AUDIENCE = 50;

interface ContactsPage {
  data: { number: string; name: string | null }[];
}

/** The first contacts of each chosen audience (every contact's first page for `all`), once each. */
export function useRecipients(audiences: string[]) {
  const [recipients, setRecipients] = useState<Recipient[]>([]);
  const [error, setError] = useState<Error>();
  const key = audiences.join("\n");
  useEffect(() => {
    let current = true;
    const pages = audiences.map((id) =>
      id === "all"
        ? get<ContactsPage>(`/v1/contacts${query({ limit: PER_AUDIENCE })}`).then((p) => p.data)
        : get<AudienceContactsResponse>(`/v1/retrieve/audience/contacts${query({ id, limit: PER_AUDIENCE })}`).then(
            (p) => p.contacts,
          ),
    );
    Promise.all(pages).then(
      (lists) => {
        if (!current) return;
        const seen = new Map<string, Recipient>();
        for (const c of lists.flat()) if (!seen.has(c.number)) seen.set(c.number, { number: c.number, name: c.name });
        setRecipients([...seen.values()]);
        setError(undefined);
      },
      (err: Error) => current && setError(err),
    );
    return () => {
      current = false;
    };
  }, [key]);
  return { recipients, error };
}
