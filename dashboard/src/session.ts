import { createContext } from "preact";
import { useContext } from "preact/hooks";

export interface Session {
  kind: "key" | "admin";
  project?: { id: string; name: string };
  key?: { id: string; name: string; role: "manager" | "sender" };
  expiresAt: string;
}

export const SessionContext = createContext<{ session: Session; signOut: () => Promise<void> } | null>(null);

/** The signed-in session; pages render only inside the signed-in layout. */
export function useSession() {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside the signed-in layout");
  return value;
}

export const isManager = (s: Session) => s.kind === "key" && s.key?.role === "manager";
