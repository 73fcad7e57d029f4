import { nextRoute } from "@/lib/api/next";
import { watchEnvironmentRoute } from "@/lib/api/routes/watch";

export const dynamic = "force-dynamic";
export const GET = nextRoute(watchEnvironmentRoute);
