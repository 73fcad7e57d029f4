import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Environments" };

export default async function EnvironmentsPage() {
  await connection();
  await requirePageUser("viewer");
  return (
    <>
      <h1>Environments</h1>
      <EmptyState title="No environments yet">
        <p>An environment groups the rotated secrets an application reads together.</p>
      </EmptyState>
    </>
  );
}
