import Link from "next/link";
import type { ReactNode } from "react";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { NavLinks } from "@/components/nav-links";
import { navItemsFor } from "@/components/nav-items";
import { signOutAction } from "./actions";

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  await connection();
  const user = await requirePageUser("viewer");
  return (
    <div className="shell">
      <aside className="sidebar">
        <Link href="/" className="brand">Rotor</Link>
        <NavLinks links={navItemsFor(user.role)} />
        <div className="who">
          <Link href="/account" data-testid="current-user" title="Your account: password, sessions">{user.email} · {user.role}</Link>
          <form action={signOutAction}>
            <button className="btn btn-small" type="submit">Sign out</button>
          </form>
        </div>
      </aside>
      <main className="content">{children}</main>
    </div>
  );
}
