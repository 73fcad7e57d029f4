import { authorizedRoute } from "@/lib/auth/route";
import { hasRole } from "@/lib/auth/roles";
import { auditDenied } from "@/lib/auth/session";
import { getEnvironmentById } from "@/lib/db/queries/environments";
import { exportEsc } from "@/lib/esc/export";
import { AppError } from "@/lib/errors";

// The environment page's "Export as Pulumi ESC" (a download). With ?showSecrets=true: admins only (audited).
export const GET = authorizedRoute<{ environmentId: string }>({ name: "environment.export", role: "viewer" }, async (request, ctx, params) => {
  const showSecrets = new URL(request.url).searchParams.get("showSecrets") === "true";
  if (showSecrets && !hasRole(ctx.user.role, "admin")) {
    await auditDenied(ctx.user, "environment.export_secrets", "admin");
    throw new AppError("auth:forbidden", "You need the admin role to export secrets and state.");
  }
  const environment = /^[0-9a-f-]{36}$/i.test(params.environmentId) ? await getEnvironmentById({ db: ctx.db, id: params.environmentId }) : undefined;
  if (!environment) throw new AppError("not-found", "That environment no longer exists.");
  const { yaml } = await exportEsc(ctx, { actor: ctx.actor, environment, showSecrets });
  const file = `${environment.name.replace(/[^A-Za-z0-9._-]+/g, "-")}.yaml`;
  return new Response(yaml, {
    headers: { "content-type": "application/yaml; charset=utf-8", "content-disposition": `attachment; filename="${file}"`, "cache-control": "no-store" },
  });
});
