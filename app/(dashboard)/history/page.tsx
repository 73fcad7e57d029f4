import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { EmptyState } from "@/components/ui/empty-state";

export const metadata = { title: "History" };

export default async function HistoryPage() {
  await connection();
  await requirePageUser("viewer");
  return (
    <>
      <h1>History</h1>
      <EmptyState title="No rotation runs yet">
        <p>Every rotation, manual or scheduled, will be listed here with its steps and result.</p>
      </EmptyState>
    </>
  );
}
