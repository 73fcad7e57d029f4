"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";

const LINKS = [
  { href: "/", label: "Overview" },
  { href: "/environments", label: "Environments" },
  { href: "/aws-logins", label: "AWS logins" },
  { href: "/connectors", label: "Connectors" },
  { href: "/history", label: "History" },
  { href: "/audit", label: "Audit" },
  { href: "/settings/tokens", label: "API tokens" },
  { href: "/api-reference", label: "API reference" },
  { href: "/settings", label: "Settings" },
];

/** The link a path belongs to: the longest matching one (/settings/tokens is API tokens, not Settings). */
function activeHref(pathname: string): string | undefined {
  const matches = LINKS.filter((l) => (l.href === "/" ? pathname === "/" : pathname === l.href || pathname.startsWith(`${l.href}/`)));
  return matches.sort((a, b) => b.href.length - a.href.length)[0]?.href;
}

export function NavLinks() {
  const active = activeHref(usePathname());
  return (
    <nav aria-label="Main">
      {LINKS.map((link) => (
        <Link key={link.href} href={link.href} aria-current={link.href === active ? "page" : undefined}>
          {link.label}
        </Link>
      ))}
    </nav>
  );
}
