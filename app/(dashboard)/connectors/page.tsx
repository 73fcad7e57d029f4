import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Connectors" };

export default async function ConnectorsPage() {
  await connection();
  await requirePageUser("viewer");
  return (
    <>
      <h1>Connectors</h1>
      <EmptyState title="No connectors yet">
        <p>A connector lets Rotor reach a database inside a private network.</p>
      </EmptyState>
    </>
  );
}
