"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import type { NavItem } from "./nav-items";

/** The link a path belongs to: the longest matching one (/settings/tokens is API tokens, not Settings). */
function activeHref(links: NavItem[], pathname: string): string | undefined {
  const matches = links.filter((l) => (l.href === "/" ? pathname === "/" : pathname === l.href || pathname.startsWith(`${l.href}/`)));
  return matches.sort((a, b) => b.href.length - a.href.length)[0]?.href;
}

/** The main navigation; `links` are those the user's role may open (components/nav-items.ts). */
export function NavLinks({ links }: { links: NavItem[] }) {
  const active = activeHref(links, usePathname());
  return (
    <nav aria-label="Main">
      {links.map((link) => (
        <Link key={link.href} href={link.href} aria-current={link.href === active ? "page" : undefined}>
          {link.label}
        </Link>
      ))}
    </nav>
  );
}
