import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { requirePageUser } from "@/lib/auth/session";
import { getAppContext } from "@/lib/app-context";
import { getRotatorById } from "@/lib/db/queries/rotators";
import { RotatorForm } from "@/app/(dashboard)/rotators/rotator-form";
import { listLoginChoices } from "@/lib/aws-logins/service";
import { listConnectorChoices } from "@/lib/connectors/service";
import { isRowId } from "@/lib/db/ids";

export const metadata = { title: "Edit rotator" };

export default async function EditRotatorPage({ params }: { params: Promise<{ rotatorId: string }> }) {
  await connection();
  await requirePageUser("operator", "edit rotator page");
  const { rotatorId } = await params;
  if (!isRowId(rotatorId)) notFound();
  const { db } = await getAppContext();
  const rotator = await getRotatorById({ db, id: rotatorId });
  if (!rotator) notFound();
  const [loginProviders, connectors] = await Promise.all([listLoginChoices({ db }), listConnectorChoices({ db })]);
  return (
    <>
      <p className="muted"><Link href={`/rotators/${rotator.id}`}>{rotator.name}</Link> /</p>
      <h1>Edit {rotator.name}</h1>
      <div className="card" style={{ maxWidth: 560 }}>
        {/* Only the public inputs reach the browser; secret inputs stay on the server. */}
        <RotatorForm
          type={rotator.type}
          mode={{ kind: "edit", rotatorId: rotator.id, name: rotator.name, inputs: rotator.inputs as Record<string, unknown>, lockoutPolicy: rotator.lockoutPolicy }}
          bindings={{ loginProviders, connectors, current: { loginProviderId: rotator.loginProviderId, connectorId: rotator.connectorId } }}
        />
      </div>
    </>
  );
}
