import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { getAppContext } from "@/lib/app-context";
import { getEnvironmentById } from "@/lib/db/queries/environments";
import { ROTATOR_TYPES, type RotatorType } from "@/lib/rotators/types";
import { ROTATOR_META } from "@/lib/rotators/meta";
import { RotatorForm } from "@/app/(dashboard)/rotators/rotator-form";
import { listLoginChoices } from "@/lib/aws-logins/service";
import { listConnectorChoices } from "@/lib/connectors/service";
import { isRowId } from "@/lib/db/ids";

export const metadata = { title: "New rotator" };

export default async function NewRotatorPage({ params, searchParams }: { params: Promise<{ environmentId: string }>; searchParams: Promise<{ type?: string }> }) {
  await connection();
  await requirePageUser("operator", "new rotator page");
  const { environmentId } = await params;
  const { type } = await searchParams;
  if (!isRowId(environmentId)) notFound();
  const { db } = await getAppContext();
  const environment = await getEnvironmentById({ db, id: environmentId });
  if (!environment) notFound();
  const chosen = (ROTATOR_TYPES as readonly string[]).includes(type ?? "") ? (type as RotatorType) : undefined;
  // The AWS logins and connectors the new rotator may use (the form offers what its type binds to).
  const [loginProviders, connectors] = await Promise.all([listLoginChoices({ db }), listConnectorChoices({ db })]);
  return (
    <>
      <p className="muted"><Link href={`/environments/${environment.id}`}>{environment.name}</Link> /</p>
      <h1>New rotator</h1>
      <nav className="row" aria-label="Rotator type" style={{ marginBottom: "1rem" }}>
        {ROTATOR_TYPES.map((t) => (
          <Link key={t} className={`btn ${t === chosen ? "btn-primary" : ""}`} href={`?type=${t}`} aria-current={t === chosen ? "page" : undefined}>
            {ROTATOR_META[t].label}
          </Link>
        ))}
      </nav>
      {chosen ? (
        <div className="card" style={{ maxWidth: 560 }}>
          <RotatorForm key={chosen} type={chosen} mode={{ kind: "create", environmentId: environment.id }} bindings={{ loginProviders, connectors }} />
        </div>
      ) : (
        <p className="muted">Choose what to rotate.</p>
      )}
    </>
  );
}
