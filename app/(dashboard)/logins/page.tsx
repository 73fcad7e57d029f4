import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "Logins" };

export default async function LoginsPage() {
  await connection();
  await requirePageUser("viewer");
  return (
    <>
      <h1>Logins</h1>
      <EmptyState title="No AWS logins yet">
        <p>A login tells Rotor how to get AWS credentials: static keys or OpenID Connect.</p>
      </EmptyState>
    </>
  );
}
