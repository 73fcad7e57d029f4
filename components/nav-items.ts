/**
 * The main navigation and the role each page needs (the page's own requirePageUser). The dashboard layout
 * renders only what the signed-in user's role may open, on the server, so a viewer's HTML never holds a link
 * to a page that would answer "forbidden".
 */
import type { Role } from "@/lib/env";
import { hasRole } from "@/lib/auth/roles";

export interface NavItem {
  href: string;
  label: string;
}

const ITEMS: (NavItem & { role: Role })[] = [
  { href: "/", label: "Overview", role: "viewer" },
  { href: "/environments", label: "Environments", role: "viewer" },
  { href: "/aws-logins", label: "AWS logins", role: "viewer" },
  { href: "/connectors", label: "Connectors", role: "viewer" },
  { href: "/history", label: "History", role: "viewer" },
  { href: "/audit", label: "Audit", role: "viewer" },
  { href: "/settings/tokens", label: "API tokens", role: "viewer" },
  { href: "/api-reference", label: "API reference", role: "viewer" },
  { href: "/settings", label: "Settings", role: "admin" },
];

export function navItemsFor(role: Role): NavItem[] {
  return ITEMS.filter((item) => hasRole(role, item.role)).map(({ href, label }) => ({ href, label }));
}
