import { nextRoute } from "@/lib/api/next";
import { revokeTokenRoute } from "@/lib/api/routes/tokens";

export const dynamic = "force-dynamic";
export const DELETE = nextRoute(revokeTokenRoute);
