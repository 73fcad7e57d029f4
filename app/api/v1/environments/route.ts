import { nextRoute } from "@/lib/api/next";
import { listEnvironmentsRoute, createEnvironmentRoute } from "@/lib/api/routes/environments";

export const dynamic = "force-dynamic";
export const GET = nextRoute(listEnvironmentsRoute);
export const POST = nextRoute(createEnvironmentRoute);
