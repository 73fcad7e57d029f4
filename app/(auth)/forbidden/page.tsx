import Link from "next/link";

export const metadata = { title: "Not allowed" };

export default async function ForbiddenPage({ searchParams }: { searchParams: Promise<{ need?: string }> }) {
  const { need } = await searchParams;
  return (
    <div className="center-page">
      <div className="card" role="alert">
        <h1>Not allowed</h1>
        <p>
          Your role does not allow this{need ? `: it needs the ${need} role` : ""}. Ask an admin if you need access. The attempt
          was recorded in the audit log.
        </p>
        <Link className="btn" href="/">Back to the overview</Link>
      </div>
    </div>
  );
}
