import Link from "next/link";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Overview" };

export default async function OverviewPage() {
  await connection();
  const user = await requirePageUser("viewer");
  return (
    <>
      <h1>Overview</h1>
      <p className="muted">Signed in as {user.email} ({user.role}).</p>
      <EmptyState title="No rotations yet">
        <p>Create an environment and add rotators to start rotating credentials.</p>
        <Link className="btn btn-primary" href="/environments">Go to environments</Link>
      </EmptyState>
    </>
  );
}
