import { nextRoute } from "@/lib/api/next";
import { getEnvironmentRoute, updateEnvironmentRoute, deleteEnvironmentRoute } from "@/lib/api/routes/environments";

export const dynamic = "force-dynamic";
export const GET = nextRoute(getEnvironmentRoute);
export const PATCH = nextRoute(updateEnvironmentRoute);
export const DELETE = nextRoute(deleteEnvironmentRoute);
