import type { ComponentChildren } from "preact";
import { useLocation } from "preact-iso";
import { useSession } from "./session";

const PROJECT_PAGES = [
  { href: "/app/", label: "Overview" },
  { href: "/app/campaigns", label: "Campaigns" },
  { href: "/app/broadcasts/new", label: "New broadcast" },
  { href: "/app/templates", label: "Templates" },
  { href: "/app/audiences", label: "Audiences" },
  { href: "/app/imports", label: "Imports" },
  { href: "/app/api-campaigns", label: "API campaigns" },
];
const OPERATOR_PAGES = [
  { href: "/app/operator", label: "Projects" },
  { href: "/app/operator/database", label: "Database" },
];

export function Layout({ children }: { children: ComponentChildren }) {
  const { session, signOut } = useSession();
  const { path } = useLocation();
  const pages = session.kind === "admin" ? OPERATOR_PAGES : PROJECT_PAGES;
  const who =
    session.kind === "admin" ? "Operator" : `${session.project?.name} · ${session.key?.name} (${session.key?.role})`;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/app/">
          WhatsApp Campaigns
        </a>
        <nav aria-label="Main">
          <ul>
            {pages.map((p) => (
              <li key={p.href}>
                <a href={p.href} aria-current={path === p.href ? "page" : undefined}>
                  {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>{who}</span>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">{children}</main>
    </>
  );
}
